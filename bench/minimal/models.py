"""The benchmark's Wagtail anchor: a page with nothing but a title.

Requesting it measures what Wagtail's routing, page serving and one template cost before any
application code runs, so the course pages can be judged against it on the same machine.
"""

from django.db import models
from wagtail.models import Page


class MinimalPage(Page):
    class Meta:
        verbose_name = "minimal benchmark page"


class BenchRow(models.Model):
    """The one row the bare insert view (`bench.minimal.views.insert`) writes per POST: the
    quiz benchmark's anchor for "one small authenticated write"."""

    user_id = models.IntegerField()
    payload = models.JSONField(null=True)
    saved_at = models.DateTimeField(auto_now_add=True)

"""The benchmark's Wagtail anchor: a page with nothing but a title.

Requesting it measures what Wagtail's routing, page serving and one template cost before any
application code runs, so the course pages can be judged against it on the same machine.
"""

from wagtail.models import Page


class MinimalPage(Page):
    class Meta:
        verbose_name = "minimal benchmark page"

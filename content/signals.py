from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import cache_keys


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def empty_page_caches(sender, **kwargs):
    """Whatever changes which pages are live, where they sit or who may see them empties the
    anonymous page cache and the course outlines (courses.outline), which share its version."""
    cache_keys.advance_version()

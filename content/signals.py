from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .middleware import invalidate


@receiver(page_published)
@receiver(page_unpublished)
def empty_anonymous_page_cache(sender, **kwargs):
    invalidate()

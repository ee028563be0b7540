from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import cache_keys
from .models import Skill, SkillArea


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_delete, sender=Page)
@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
@receiver(post_save, sender=Skill)
@receiver(post_delete, sender=Skill)
@receiver(post_save, sender=SkillArea)
@receiver(post_delete, sender=SkillArea)
def empty_page_caches(sender, **kwargs):
    """Whatever changes which pages are live, where they sit or who may see them empties the
    anonymous page cache and the course outlines (courses.outline), which share its version;
    so does any change to the skills framework, whose public page (/<lang>/skills/) is cached too."""
    cache_keys.advance_version()

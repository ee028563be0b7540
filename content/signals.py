from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Locale, Page, PageViewRestriction, Site
from wagtail.signals import copy_for_translation_done, page_published, page_unpublished, post_page_move

from . import cache_keys, translations
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
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
@receiver(post_save, sender=Locale)
@receiver(post_delete, sender=Locale)
def empty_page_caches(sender, **kwargs):
    """Whatever changes which pages are live, where they sit or who may see them empties the
    anonymous page cache, the course outlines (courses.outline) and the cached routes
    (content.site_cache), which share its version; so does any change to the skills framework,
    whose public page (/<lang>/skills/) is cached too, and to the sites and locales, which the
    routes' per-request check does not read."""
    cache_keys.advance_version()


@receiver(copy_for_translation_done)
def record_translation_source(sender, source_obj, target_obj, **kwargs):
    """A page translated with *Translate* starts up to date with its source's current revision."""
    if isinstance(source_obj, Page) and source_obj.locale_id == Locale.get_default().pk:
        revision_id = translations.current_revision_id(source_obj)
        translations.mark_translation_synced(target_obj, source_revision_id=revision_id)

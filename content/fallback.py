"""What a reader gets instead of a page that has no translation in their language: never a 404.

The language switcher of such a page links to `page_in_language` (content.views), which shows
a "not yet translated" notice with the page in its own language and the nearest translated
ancestor in the reader's; a direct visit to the page's path in the other language (the same
slugs under the other language's root) is sent there too (content.middleware)."""

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, Page


def in_language_url(page, language_code):
    """The URL that shows `page` in `language_code`: its translation, or the notice."""
    with translation.override(language_code):
        return reverse("page-in-language", args=[page.pk])


def readable_pages():
    return Page.objects.live().public()


def nearest_translation(page, locale):
    """`page`'s live translation in `locale`, else that of its nearest ancestor that has one
    (the catalog, at worst); one query."""
    ancestor_paths = [page.path[:end] for end in range(Page.steplen, len(page.path) + 1, Page.steplen)]
    keys = Page.objects.filter(path__in=ancestor_paths, depth__gt=1).values("translation_key")
    return readable_pages().filter(locale=locale, translation_key__in=keys).order_by("-depth").first()


def page_in_other_language(path):
    """The readable page whose path in another language is `path` (a `/<language>/…/` URL
    path that found nothing): its slugs under the other languages' site roots; None if none,
    or if the page has a translation in `<language>` after all (unpublished, or a 404 of its
    own, which stays one). Two queries, run only for 404s."""
    prefix, _, rest = path.lstrip("/").partition("/")
    if prefix not in dict(settings.LANGUAGES):
        return None
    roots = Page.objects.filter(depth=2).exclude(locale__language_code=prefix).values_list("url_path", flat=True)
    candidates = [root + rest if rest.endswith("/") else f"{root}{rest}/" for root in roots]
    translated = Page.objects.filter(translation_key=OuterRef("translation_key"), locale__language_code=prefix)
    return (
        readable_pages().filter(url_path__in=candidates, depth__gt=2).exclude(Exists(translated)).order_by("pk").first()
    )


def locale_of(language_code):
    return Locale.objects.get_for_language(language_code)

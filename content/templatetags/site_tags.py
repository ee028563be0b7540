from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from wagtail.models import Page

from content import fallback

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per language that keeps the reader on the same page (or its translation).
    A view that already knows the translations' URLs passes them as `language_urls`. A page
    without a translation in a language links to its "not yet translated" notice
    (content.fallback), never to a path that would be a 404."""
    request = context["request"]
    page = context.get("page")
    current = translation.get_language()
    translations = context.get("language_urls") or {}
    if not translations and isinstance(page, Page):
        # Of the page table only what a URL needs: the specific page's own table (a lesson's
        # whole body) and the other columns would make this the dearest query on the page.
        translated = (
            Page.objects.filter(translation_key=page.translation_key, live=True)
            .select_related("locale")
            .only("url_path", "locale__language_code")
        )
        for other in translated:
            translations[other.locale.language_code] = other.url
    links = []
    for code, name in settings.LANGUAGES:
        url = translations.get(code)
        if not url:
            is_page = isinstance(page, Page) and page.depth > 1
            url = fallback.in_language_url(page, code) if is_page else translate_url(request.get_full_path(), code)
        links.append({"code": code, "name": name, "url": url, "active": code == current})
    return links

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET

from . import fallback, framework


def trivial(request):
    """The benchmark's anchor: the cheapest response this stack can give."""
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


@require_GET
def skills_framework(request):
    """Public: the skills framework by area, each skill at its three levels, with a stable
    anchor per skill (`#skill-<slug>`) that certificates and the CASE export link to. Stored
    for anonymous visitors like the catalog (content.middleware)."""
    response = render(request, "content/skills_framework.html", {"areas": framework.framework_areas()})
    response.cache_for_anonymous = True
    return response


@require_GET
def skills_case(request):
    """Public: the framework as a 1EdTech CASE 1.0 package (CFPackage JSON), for HR systems."""
    return JsonResponse(framework.case_package(), json_dumps_params={"ensure_ascii": False})


@require_GET
def page_in_language(request, page_id):
    """A readable page in the request's language: its translation if it has one, else a
    "not yet translated" notice linking to the page in its own language and to the nearest
    translated ancestor (the language switcher of an untranslated page lands here)."""
    page = get_object_or_404(fallback.readable_pages().select_related("locale"), pk=page_id)
    locale = fallback.locale_of(translation.get_language())
    if page.locale_id == locale.pk:
        return redirect(page.url)
    translated = fallback.nearest_translation(page, locale)
    if translated is not None and translated.translation_key == page.translation_key:
        return redirect(translated.url)
    context = {
        "original": page,
        "original_language": page.locale.get_display_name(),
        "nearest": translated,
        "language_urls": {page.locale.language_code: page.url},
    }
    return render(request, "content/not_translated.html", context)

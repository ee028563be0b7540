from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import framework


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

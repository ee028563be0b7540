from django.http import HttpResponse
from django.shortcuts import render


def trivial(request):
    """The benchmark's anchor: the cheapest response this stack can give."""
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation

from .credentials import signed_credential
from .models import Certificate
from .queries import certificates_of, normalise_code, skills_evidenced


def _noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _in_chosen_language(request, template, context, status=200):
    """Render a page of the unprefixed /verify/ paths (printed URLs never change, so they carry
    no language prefix) in `?lang=` when given, else in the visitor's language; the language
    links point to each language's version of the same page."""
    languages = dict(settings.LANGUAGES)
    chosen = request.GET.get("lang")
    query = request.GET.copy()
    links = {}
    for code in languages:
        query["lang"] = code
        links[code] = f"{request.path}?{query.urlencode()}"
    context = {**context, "language_urls": links, "chosen_language": chosen if chosen in languages else ""}
    if chosen not in languages:
        return render(request, template, context, status=status)
    with translation.override(chosen):
        response = render(request, template, context, status=status)
    response["Content-Language"] = chosen
    return response


def verify(request, public_id):
    """Public: anyone with the link sees holder, achievement, dates, issuer, status and the skills
    the certificate evidences (linked to the public framework page)."""
    certificate = (
        Certificate.objects.select_related("rule").filter(public_id=public_id).first()
    )
    if certificate is None:
        raise Http404
    # By ids, not `certificate.user.certificates`: that reads the holder, and its rows would each
    # read their deferred user_id to link back to them (a query per renewal).
    history = Certificate.objects.filter(user_id=certificate.user_id, rule_id=certificate.rule_id).order_by(
        "-issued_at").only("public_id", "code", "issued_at", "valid_until", "is_current", "revoked_at")
    return _noindex(_in_chosen_language(request, "certification/verify.html", {
        "certificate": certificate,
        "status": certificate.status_at(timezone.now()),
        "history": list(history),
        "skills": skills_evidenced(certificate.rule),
    }))


def lookup(request):
    """Find a certificate by its printed code. Unknown and malformed codes get the same page,
    the same wording and the same work (one indexed lookup), so the form leaks nothing."""
    raw = request.GET.get("code", "")
    certificate = Certificate.objects.filter(code=normalise_code(raw)).only("public_id").first()
    if certificate is not None:
        response = redirect("certification:verify", certificate.public_id)
        if request.GET.get("lang") in dict(settings.LANGUAGES):  # keep the language chosen
            response["Location"] += f"?lang={request.GET['lang']}"
        return response
    status = 404 if raw else 200
    return _noindex(_in_chosen_language(
        request, "certification/lookup.html", {"code": raw[:40], "not_found": bool(raw)}, status=status
    ))


@login_required
def mine(request):
    return render(request, "certification/mine.html", {"certificates": certificates_of(request.user)})


@login_required
def certificate_pdf(request, public_id):
    """The holder's PDF (A4 landscape, with the verification QR code)."""
    from django.http import HttpResponse

    from .pdf import store_certificate_pdf, stored_pdf_is_current

    certificate = Certificate.objects.filter(public_id=public_id, user=request.user).first()
    if certificate is None:
        raise Http404
    if stored_pdf_is_current(certificate):
        with certificate.pdf_file.open("rb") as stored:
            data = stored.read()
    else:  # the background render has not run (yet), or the certificate was revoked since: render now and keep it
        data = store_certificate_pdf(certificate)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


def credential(request, public_id):
    """The certificate as a signed Open Badges 3.0 credential."""
    certificate = Certificate.objects.select_related("rule").filter(public_id=public_id).first()
    if certificate is None:
        raise Http404
    document = signed_credential(certificate, request, skills=skills_evidenced(certificate.rule))
    return _noindex(JsonResponse(document, json_dumps_params={"ensure_ascii": False}))

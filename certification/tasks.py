"""Background work, through django-tasks: immediate in tests and the demo, the database
backend and its worker in production (docs/deploy.md)."""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from content.cache_keys import once

from . import site
from .models import Certificate


def _mail(certificate, template, **context):
    user = certificate.user
    base = site.for_certificate(certificate)  # the address it was issued under (the demo's running server)
    with translation.override(user.preferred_language):
        context = {
            "certificate": certificate,
            "user": user,
            "verify_url": base + reverse("certification:verify", args=[certificate.public_id]),
            "certificates_url": base + reverse("certificates:mine"),
            **context,
        }
        subject = render_to_string(f"certification/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"certification/email/{template}.txt", context)
    send_mail(subject, body, None, [user.email])


@task(takes_context=True)
@once
def send_certificate_issued(certificate_id):
    certificate = Certificate.objects.select_related("user").get(pk=certificate_id)
    _mail(certificate, "issued")


@task(takes_context=True)
@once
def send_expiry_reminder(certificate_id, days_before):
    certificate = Certificate.objects.select_related("user").get(pk=certificate_id)
    _mail(certificate, "reminder", days_before=days_before)


@task(takes_context=True)
@once
def render_certificate_pdf_file(certificate_id):
    """Render the PDF once (fonts are subset, which takes seconds) and keep it."""
    from .pdf import store_certificate_pdf, stored_pdf_is_current

    certificate = Certificate.objects.get(pk=certificate_id)
    if stored_pdf_is_current(certificate) and certificate.pdf_file.storage.exists(certificate.pdf_file.name):
        return  # rendered already (by a first download, or an earlier run of this task)
    store_certificate_pdf(certificate)

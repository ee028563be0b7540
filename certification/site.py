"""The site's address in what we print and sign: verification links, QR codes, credential ids,
status list URLs and the certificate emails.

- In production it is `SITE_URL` (WAGTAILADMIN_BASE_URL), which `check --deploy` requires
  (certification.E001): ids must not depend on the Host header a visitor sends.
- In demo mode (`make run PORT=8101`) it is the running server's own address, read from the
  request being served, as allauth does for the sign-up email; outside a request (the demo
  set-up command) there is none yet.
- A certificate keeps the address it was issued under (`Certificate.site_url`): its printed URL
  and credential ids never change afterwards (docs/decisions.md). A demo certificate issued
  outside any request has none and follows the server until then.

The request's address reaches code that has no request (issuance runs from a quiz submit, via a
signal) through a context variable set when Django starts a request and cleared when it ends.
"""

from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.dispatch import receiver

__all__ = ["for_certificate", "for_new_certificate", "site_url"]

_environ = ContextVar("certification_request_environ", default=None)


@receiver(request_started, dispatch_uid="certification.site.started")
def _request_started(sender, environ=None, **kwargs):
    _environ.set(environ)


@receiver(request_finished, dispatch_uid="certification.site.finished")
def _request_finished(sender, **kwargs):
    _environ.set(None)


def _request_origin():
    """scheme://host[:port] of the request being served (its Host checked against
    ALLOWED_HOSTS), or None outside a request."""
    environ = _environ.get()
    if environ is None:
        return None
    try:
        return WSGIRequest(environ).build_absolute_uri("/").rstrip("/")
    except DisallowedHost:
        return None


def site_url():
    """The address to build links and ids on now, without a trailing slash."""
    if settings.DEMO_MODE and (origin := _request_origin()):
        return origin
    return (settings.WAGTAILADMIN_BASE_URL or "").rstrip("/")


def for_new_certificate():
    """What a certificate issued now stores: the address it is issued under; blank in demo mode
    outside a request (it follows the running server until it is first shown)."""
    if settings.DEMO_MODE:
        return _request_origin() or ""
    return site_url()


def for_certificate(certificate):
    return (certificate.site_url or "").rstrip("/") or site_url()

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def credential_key_is_set(app_configs, **kwargs):
    """In production the signing key must be its own secret: a key derived from SECRET_KEY
    changes (and invalidates every credential) whenever SECRET_KEY is rotated."""
    if settings.CREDENTIAL_SIGNING_KEY:
        return []
    return [Warning(
        "CREDENTIAL_SIGNING_KEY is not set: credentials are signed with a key derived from SECRET_KEY.",
        hint="Generate one (see docs/deploy.md, 'Open Badges credentials') and set it in the environment.",
        id="certification.W001",
    )]


@register(deploy=True)
def site_url_is_public(app_configs, **kwargs):
    """Every credential carries ids built on WAGTAILADMIN_BASE_URL (SITE_URL): the issuer, the
    credential, the revocation list. Issued on an empty or loopback address they can never be
    checked, and the ids cannot change afterwards."""
    url = settings.WAGTAILADMIN_BASE_URL or ""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname and not _is_loopback(parts.hostname):
        return []
    problem = "is not set" if not url else f"is {url!r}, not the site's public address"
    return [Error(
        f"SITE_URL {problem}: credential and issuer ids, verification links and the admin's emails are built on it.",
        hint="Set SITE_URL to the public https:// address of the site (see docs/deploy.md).",
        id="certification.E001",
    )]


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")

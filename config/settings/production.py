"""Production: every secret and host comes from the environment (see docs/deploy.md)."""

import os

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Refuse to start with any key that Django's own deploy check (security.W009) calls weak.
if (len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)):
    raise ImproperlyConfigured(
        f"Set SECRET_KEY to a random string of {SECRET_KEY_MIN_LENGTH} characters or more, with at least "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones and not starting with '{SECRET_KEY_INSECURE_PREFIX}' "
        "(Django's security.W009).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")  # noqa: F405
# Credential ids and the admin's links are built on it: no fallback to base's development
# address. `check --deploy` fails while it is unset (certification.E001).
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
ADMIN_REQUIRES_MFA = env_bool("ADMIN_REQUIRES_MFA", True)  # noqa: F405

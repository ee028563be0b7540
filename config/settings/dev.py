"""Local development and the demo (`make run`)."""

from .base import *  # noqa: F403

DEBUG = True
DEMO_MODE = True
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-1b4f0e0a9c6d4d7f8e2a"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_AUTOREFRESH = True

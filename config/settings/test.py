"""The test suite: fast hashing, in-memory cache and mail, plain static storage."""

from .base import *  # noqa: F403

DEBUG = False
DEMO_MODE = False
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
ALLOWED_HOSTS = ["*"]
WHITENOISE_AUTOREFRESH = True  # serve from the finders; tests never run collectstatic

"""The test suite: fast hashing, in-memory cache and mail, plain static storage."""

import os
import tempfile

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
if DATABASES["default"]["ENGINE"] == "config.sqlite3" and os.environ.get("TEST_SQLITE_FILE"):  # noqa: F405
    # A database file through our engine, as in production (.ci/run runs the quiz and progress
    # tests so); pytest-django adds each xdist worker's suffix to a file's name.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_SQLITE_FILE"]}  # noqa: F405
elif DATABASES["default"]["ENGINE"] == "config.sqlite3":  # noqa: F405
    # Otherwise in-memory SQLite, which has no file to lock (tests/config/test_sqlite3.py tests
    # the backend on a file); pytest-django names in-memory test databases per xdist worker
    # only for the stock engine.
    DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"  # noqa: F405
# Attachments written by tests go to a throw-away folder, never beside the code.
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="opsacademy-private-"))  # noqa: F405
STORAGES["private"] = {**STORAGES["private"], "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None}}  # noqa: F405
LAB_DATASET_CACHE = Path(tempfile.mkdtemp(prefix="opsacademy-labs-"))  # noqa: F405

"""The load benchmark (`bench/run.py`, docs/performance.md): production's code paths, served
over plain HTTP on loopback.

It overrides base like production does (DEBUG off, so the cached template loader; the same
middleware, database and cache settings) but cannot import production itself: that module
requires SECRET_KEY and ALLOWED_HOSTS from the environment and sets secure-only cookies and an
HTTPS redirect, which a plain-HTTP client on 127.0.0.1 cannot use. The database still comes from
DATABASE_URL (persistent connections; SQLite in WAL mode), exactly as in production.
"""

from .base import *  # noqa: F403

DEBUG = False
DEMO_MODE = False
BENCH_ANCHORS = True  # /_bench/trivial/ (config.urls)
SECRET_KEY = "bench-only-not-secret-6f1d9c2e8a4b7e30"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.minimal"]  # noqa: F405  the minimal Wagtail page
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collectstatic into the throw-away run: `{% static %}` resolves names without a manifest.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

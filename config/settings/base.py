"""Settings shared by every mode. Everything configurable is read from the environment here;
dev, test and production only override. Importing this module has no side effects."""

import os
from pathlib import Path

import dj_database_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DEMO_MODE = env_bool("DEMO_MODE")
BENCH_ANCHORS = env_bool("BENCH_ANCHORS")

INSTALLED_APPS = [
    "accounts",
    "content",
    "courses",
    "quizzes",
    "certification",
    "hr",
    "django_tasks",
    "django_tasks_db",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "content.middleware.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "content.middleware.LocaleMiddleware",
    "content.middleware.CachedRouteMiddleware",  # Wagtail routing from a checked copy (content.site_cache)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AdminSecondFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "content.context_processors.site",
            ],
        },
    },
]

# SQLite (WAL mode, see content.apps) unless DATABASE_URL names another database.
# Persistent connections: reconnecting per request costs PostgreSQL 3.5x in throughput.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "config.sqlite3"  # write transactions queue in the kernel
    DATABASES["default"]["OPTIONS"] = {
        # mmap: pages are read from the mapped file rather than copied by a system call each;
        # under concurrent writes every connection re-reads what it needs on each transaction
        # (another's commit empties its page cache), ~180 reads of an exam start (docs/performance.md).
        # Checkpoints every 10,000 WAL pages (40 MB), not 1,000: one runs in the committing request
        # with its two fsyncs, which under an exam start's load came every ~10 starts
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;"
                        " PRAGMA wal_autocheckpoint=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get(
        "DATABASE_PREPARED_STATEMENTS", "on") != "off":
    # Parameters bound by the server, and a statement already run five times on a connection
    # run as a prepared statement (psycopg's cache): PostgreSQL stops parsing and planning the
    # same statements at every request — an exam start's CPU in the database 4.2 → 2.4 ms
    # (docs/performance.md). Behind a transaction-mode pooler older than PgBouncer 1.21, set
    # DATABASE_PREPARED_STATEMENTS=off (docs/deploy.md).
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}),
                                       "server_side_binding": True, "prepare_threshold": 5}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for the whole site: Redis when several app servers share it, else in-process.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "courses:dashboard"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}  # its fields point at the error summary
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Ops Academy] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Ops Academy"
# Instructors and HR must set up TOTP before they reach the admin (on in production).
ADMIN_REQUIRES_MFA = env_bool("ADMIN_REQUIRES_MFA")
# allauth's defaults written out, so that the limit is visible and tested.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ops Academy <noreply@opsacademy.local>")

# Chinese first: zh-hans is the default locale, en a translation of the same page tree.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# locale/ is ours (makemessages writes the first path); config/locale_overrides holds framework
# strings translated by hand. The first path that has a string wins, and both win over the apps'.
LOCALE_PATHS = [BASE_DIR / "locale", PROJECT_DIR / "locale_overrides"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Trainees' essay attachments: outside MEDIA_ROOT, so nothing serves them but the view that
    # checks who asks.
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None}},
}
# Several app servers share one store of files (certificate PDFs, uploads, attachments): an
# S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set (django-storages; credentials come
# from boto3's own chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an instance role),
# else the folders above, which must then be one shared volume (docs/deploy.md).
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    S3_OPTIONS = {
        "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,  # MinIO, Ceph, a cloud's S3
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "default_acl": None,  # the bucket's own policy: private
        "querystring_auth": True,  # links to files are signed and expire
        "querystring_expire": int(os.environ.get("AWS_QUERYSTRING_EXPIRE", "3600")),
        "file_overwrite": False,  # a name taken gets a suffix, as on the filesystem
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage",
                           "OPTIONS": {**S3_OPTIONS, "location": "media"}}
    STORAGES["private"] = {"BACKEND": "storages.backends.s3.S3Storage",
                           "OPTIONS": {**S3_OPTIONS, "location": "private"}}

WAGTAIL_SITE_NAME = "Ops Academy"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# Learner pages get a strict policy; the Wagtail admin needs inline scripts and is excluded.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "frame-src": ["https://www.youtube-nocookie.com", "https://player.bilibili.com"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Anonymous visitors of cacheable pages get a stored copy (content.middleware).
ANONYMOUS_PAGE_CACHE_SECONDS = int(os.environ.get("ANONYMOUS_PAGE_CACHE_SECONDS", "300"))
# A course's modules and lessons, read by every learner page (courses.outline). Publishing
# empties it at once; an in-process cache's other workers catch up within this many seconds.
COURSE_OUTLINE_CACHE_SECONDS = int(os.environ.get("COURSE_OUTLINE_CACHE_SECONDS", "60"))

CURRICULUM_DIR = BASE_DIR / "content" / "curriculum"
# SQL labs with per-attempt data: the generated versions of a dataset, made on first use.
LAB_DATASET_CACHE = Path(os.environ.get("LAB_DATASET_CACHE", BASE_DIR / "var" / "lab-datasets"))

# Paths served outside the /zh-hans/ or /en/ prefix whose 404s must not redirect into one.
UNPREFIXED_PATHS = ["/verify/", "/credentials/", "/admin/"]

# Background work (mail, PDFs, reminder sweeps): run at once unless a worker is configured.
# Production: TASKS_BACKEND=django_tasks_db.DatabaseBackend and `manage.py db_worker`.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")}}

# Render each certificate's PDF in the background when it is issued (else on first download).
CERTIFICATE_PDF_PRERENDER = env_bool("CERTIFICATE_PDF_PRERENDER", True)
CERTIFICATE_ISSUER_NAME = os.environ.get("CERTIFICATE_ISSUER_NAME", "Ops Academy 运营学院")
# The Ed25519 key that signs Open Badges 3.0 credentials: PEM (PKCS#8) or base64 of the 32-byte
# seed. Unset, a key derived from SECRET_KEY is used: fine for development and tests only.
CREDENTIAL_SIGNING_KEY = os.environ.get("CREDENTIAL_SIGNING_KEY", "")
# POSTs to the public verifier (/credentials/verify/) per client address: "count/period" (s, m, h, d).
# Counted in the cache, so shared by every app server only with REDIS_URL.
CREDENTIAL_VERIFY_RATE_LIMIT = os.environ.get("CREDENTIAL_VERIFY_RATE_LIMIT", "30/m")
# SQL lab runs per trainee (each runs up to 250 ms in the sandbox).
SQL_LAB_RATE_LIMIT = os.environ.get("SQL_LAB_RATE_LIMIT", "20/m")
# The largest file a trainee may attach to an essay (bytes); a bigger upload is refused unread.
ESSAY_ATTACHMENT_MAX_BYTES = int(os.environ.get("ESSAY_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
# Proxies in front of the app servers that append to X-Forwarded-For: the client address of the
# login and verifier rate limits is read that many hops from the end (0: the socket's address).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Seconds after a quiz deadline in which a last answer is still accepted (network latency).
QUIZ_GRACE_SECONDS = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

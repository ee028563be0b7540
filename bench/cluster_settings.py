"""`bench/cluster.py`'s settings: the benchmark's (config.settings.bench), with mail written to
files in a folder every process of the run shares, so that the mails can be counted across the
app servers and the workers. Everything else (DATABASE_URL, REDIS_URL, MEDIA_ROOT, TASKS_BACKEND,
SITE_URL) comes from the environment as in production."""

import os

from config.settings.bench import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("CLUSTER_MAIL_DIR", "")

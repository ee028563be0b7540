import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_settings_pass_the_deploy_check():
    """`check --deploy` is clean with production settings and secrets from the environment."""
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="academy.example.com", SITE_URL="https://academy.example.com",
        CREDENTIAL_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_when_credentials_share_the_secret_key():
    result = _manage(
        "check", "--deploy", DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="academy.example.com",
    )
    assert "certification.W001" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="")
    assert result.returncode != 0


def test_redis_url_moves_the_cache_to_redis():
    """With REDIS_URL every app server shares one cache (and so one set of login limits)."""
    result = _manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="a.example", REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/3"]


def test_database_url_selects_postgresql_with_persistent_connections():
    result = _manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['CONN_MAX_AGE'])",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="a.example", DATABASE_URL="postgres://u:p@127.0.0.1:5432/db",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "600"]


def test_a_sqlite_database_file_runs_in_wal_mode(tmp_path):
    """The SQLite settings production gets put a database file in WAL mode (readers never wait
    for the writer) through the kernel-queued engine."""
    script = (
        "from django.db import connection; cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode');"
        " print(connection.settings_dict['ENGINE'], cursor.fetchone()[0])"
    )
    result = _manage(
        "shell", "--no-imports", "-c", script, DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="a.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.stdout.split() == ["config.sqlite3", "wal"], result.stdout + result.stderr

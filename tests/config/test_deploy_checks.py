"""`check --deploy` fails on a site address that credentials cannot be issued on, and production
refuses to start with exactly the SECRET_KEYs that Django's own deploy check calls weak."""

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://academy.example.com"


@pytest.fixture(autouse=True)
def _async_safety_on(monkeypatch):
    """tests/conftest.py turns async safety off for Playwright; Django's deploy check would
    report that as an error of its own (async.E001)."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def deploy_check(**settings):
    """What `manage.py check --deploy` prints under `settings`, and whether it failed."""
    from django.test import override_settings

    out, err = io.StringIO(), io.StringIO()
    with override_settings(**settings):
        try:
            call_command("check", deploy=True, stdout=out, stderr=err)
        except SystemCheckError as error:
            return True, str(error) + out.getvalue() + err.getvalue()
    return False, out.getvalue() + err.getvalue()


def production(code, **env):
    """Run `code` with production settings and `env` (nothing else from this process's own)."""
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="academy.example.com", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)


@pytest.mark.parametrize("url", [
    "", "http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]/", "academy.example.com"])
def test_the_deploy_check_fails_on_a_site_url_that_is_missing_or_loopback(url):
    failed, output = deploy_check(WAGTAILADMIN_BASE_URL=url)
    errors = output.split("ERRORS:")[1].split("WARNINGS:")[0]
    assert failed and "certification.E001" in errors and "SITE_URL" in errors


def test_the_deploy_check_passes_a_public_site_url():
    failed, output = deploy_check(WAGTAILADMIN_BASE_URL=PUBLIC)
    assert not failed and "certification.E001" not in output, output


def test_production_has_no_fallback_site_url():
    """Unset, SITE_URL stays empty in production (base's 127.0.0.1:8000 is for development),
    so that the deploy check above sees it."""
    result = production("import django; django.setup(); from django.conf import settings; "
                        "print(repr(settings.WAGTAILADMIN_BASE_URL))", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.stdout.strip() == "''", result.stderr


@pytest.mark.parametrize("key", [
    secrets.token_urlsafe(50)[:49],
    "x" * 60,
    "django-insecure-" + secrets.token_urlsafe(50),
    secrets.token_urlsafe(50)[:50],
], ids=["one character short", "one character repeated", "what startproject writes", "good"])  # xdist: stable ids
def test_production_refuses_exactly_the_secret_keys_django_calls_weak(key):
    """Start-up and Django's security.W009 agree; the refusal names Django's own numbers."""
    weak = "security.W009" in deploy_check(SECRET_KEY=key, WAGTAILADMIN_BASE_URL=PUBLIC)[1]
    started = production("import config.settings.production", SECRET_KEY=key)
    assert (started.returncode != 0) == weak, started.stderr
    if weak:
        assert "50 characters or more, with at least 5 different ones" in started.stderr

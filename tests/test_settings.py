"""Settings come from the environment; production refuses to start half-configured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
GOOD_KEY = "k3y-" + "x9Qz!7pLm#2Rt" * 5


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean | env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage(
        "check", DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_ALLOWED_HOSTS="diligence.example"
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_starts_with_both_and_passes_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="diligence.example",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("proxies", "header"), [("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_production_believes_x_forwarded_proto_only_behind_a_configured_proxy(proxies, header):
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    result = manage(
        "shell", "--verbosity=0", "--command", code,
        DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="diligence.example", DILIGENCE_TRUSTED_PROXIES=proxies,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == header


def test_production_mail_goes_to_the_smtp_server_the_environment_names():
    code = "from django.core.mail import mailers; m = mailers.default; "
    code += "print(type(m).__module__, m.host, m.port, m.timeout)"
    result = manage(
        "shell", "--verbosity=0", "--command", code,
        DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=GOOD_KEY,
        DJANGO_ALLOWED_HOSTS="diligence.example", DJANGO_EMAIL_HOST="smtp.diligence.example", DJANGO_EMAIL_PORT="587",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.mail.backends.smtp", "smtp.diligence.example", "587", "30"]


def setting(name: str, **env: str) -> str:
    """A setting as a fresh process sees it with this environment (and none of ours for the variables we vary)."""
    varied = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in varied and not k.startswith("DJANGO_")}
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean | env | {"DJANGO_SETTINGS_MODULE": "config.settings.base"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "engine"),
    [
        ({}, "django.db.backends.sqlite3"),
        ({"DATABASE_URL": "postgres://u:p@db.example:5432/diligence"}, "django.db.backends.postgresql"),
    ],
)
def test_database_follows_database_url(env, engine):
    assert setting("DATABASES['default']['ENGINE']", **env) == engine


@pytest.mark.parametrize(
    ("env", "broker"),
    [
        ({}, "filesystem://localhost//"),
        ({"REDIS_URL": "redis://cache.example:6379/0"}, "redis://cache.example:6379/0"),
        ({"REDIS_URL": "redis://a:6379/0", "CELERY_BROKER_URL": "redis://b:6379/1"}, "redis://b:6379/1"),
    ],
)
def test_broker_follows_the_environment(env, broker):
    assert setting("CELERY_BROKER_URL", **env) == broker

"""Test settings: the same app as base, with fast hashing and a file-backed SQLite test database.

The SQLite test database is a file (not ``:memory:``) so a real Celery worker process can share it.
"""

from __future__ import annotations

import uuid

from .base import *  # noqa: F403
from .base import CACHE_REDIS_URL, CELERY_BROKER_URL, DATABASES, VAR_DIR, cache_config, filesystem_broker_options

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A folder of its own, so a worker left running by `make run` never takes the tests' messages.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "test-broker")
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# The same kind of cache as the deployment (Redis in CI), under keys of this run alone, so counters left by an earlier
# run, or by `make run`, never leak into this one.
CACHES = {
    "default": cache_config(CACHE_REDIS_URL, VAR_DIR / "test-cache", prefix=f"test-{uuid.uuid4().hex[:12]}"),
}
# Test users' ids repeat from test to test on SQLite, so one shared counter would let earlier tests use up a later
# test's allowance; the rate-limit tests set their own small rates.
DILIGENCE_RATE_LIMITS = {"memo_create": "10000/h", "import": "10000/h"}

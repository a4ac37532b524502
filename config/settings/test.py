"""Test settings: the same app as base, with fast hashing and a file-backed SQLite test database.

The SQLite test database is a file (not ``:memory:``) so a real Celery worker process can share it.
"""

from __future__ import annotations

import os
import uuid

from .base import *  # noqa: F403
from .base import CACHE_REDIS_URL, CELERY_BROKER_URL, DATABASES, VAR_DIR, cache_config, filesystem_broker_options

DEBUG = False
# Under pytest-xdist each test process ("gw0", "gw1", ...) is a run of its own: pytest-django suffixes its test
# database, and it gets its own broker (a Redis database, or a broker folder), media folder and SQLite file, so the
# real workers one process starts never take another's messages and files never collide. The Celery workers a test
# starts inherit the variable, and with it the same choices.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
XDIST_INDEX = int(XDIST_WORKER.removeprefix("gw") or 0)
RUN_DIR = VAR_DIR / XDIST_WORKER if XDIST_WORKER else VAR_DIR
RUN_DIR.mkdir(parents=True, exist_ok=True)
if XDIST_INDEX and CELERY_BROKER_URL.startswith(("redis://", "rediss://")) and "TEST_BROKER_CHOSEN" not in os.environ:
    # Counting down from the configured database (15 in CI), so process gw1 uses 14, gw2 13, ... Chosen once, in the
    # test process, and put in the environment (Celery reads the variable before its settings): the processes it
    # starts inherit the choice, or the broker a test gives them instead.
    base, _, number = CELERY_BROKER_URL.rpartition("/")
    CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"] = f"{base}/{(int(number or 0) - XDIST_INDEX) % 16}"
    os.environ["TEST_BROKER_CHOSEN"] = "1"
    # The cache stays where it was (a worker's heartbeats must reach this process); its keys are this run's alone.
    os.environ["REDIS_URL"] = CACHE_REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(RUN_DIR / "test.sqlite3")}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # A folder of its own, so a worker left running by `make run` never takes the tests' messages.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(RUN_DIR / "test-broker")
MEDIA_ROOT = RUN_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

# The same kind of cache as the deployment (Redis in CI), under keys of this run alone, so counters left by an earlier
# run, or by `make run`, never leak into this one.
CACHES = {
    "default": cache_config(CACHE_REDIS_URL, RUN_DIR / "test-cache", prefix=f"test-{uuid.uuid4().hex[:12]}"),
}
# Test users' ids repeat from test to test on SQLite, so one shared counter would let earlier tests use up a later
# test's allowance; the rate-limit tests set their own small rates.
DILIGENCE_RATE_LIMITS = {"memo_create": "10000/h", "import": "10000/h"}

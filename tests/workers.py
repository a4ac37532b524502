"""A real Celery worker process for tests, on the same database and broker as the test run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config.bench.processes import database_url
from config.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parent.parent


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py`` in its own process, against this test run's database (not the configured one)."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def start_worker(
    *,
    queues: str,
    hostname: str,
    env: dict[str, str] | None = None,
    stage_pause: float = 0.0,
    import_pause: float = 0.0,
    mail_dir: Path | None = None,
) -> subprocess.Popen:
    """A worker (tests/celery_worker.py: the project's app, with test-only adjustments) in its own process group, so
    a test can SIGKILL it and its children at once. ``stage_pause`` slows each step of a memo render by that many
    seconds, and ``import_pause`` each file of an import job; the email it sends is written to files in ``mail_dir``
    (and otherwise dropped)."""
    full_env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "TEST_WORKER_STAGE_PAUSE": str(stage_pause),
        "TEST_WORKER_IMPORT_PAUSE": str(import_pause),
        "TEST_WORKER_MAIL_DIR": str(mail_dir or ""),
        "TEST_WORKER_CACHE_PREFIX": str(settings.CACHES["default"].get("KEY_PREFIX", "")),
        **(env or {}),
    }
    loglevel = os.environ.get("TEST_WORKER_LOGLEVEL", "WARNING")
    command = [
        sys.executable,
        "-m",
        "tests.celery_worker",
        "worker",
        f"--loglevel={loglevel}",
        f"--queues={queues}",
        "--concurrency=1",
        f"--hostname={hostname}",
        "--without-mingle",
        "--without-gossip",
    ]
    return subprocess.Popen(command, cwd=BASE_DIR, env=full_env, start_new_session=True)


def purge_task_queues() -> int:
    """Drop messages a previous run left in the test broker: memo ids repeat across test databases, so a stale
    message could otherwise be taken for a new memo."""
    purged = 0
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in ("default", "memos"):
            try:
                # Every transport's channel has queue_purge; kombu's abstract channel type does not declare it.
                purged += channel.queue_purge(queue) or 0  # type: ignore[attr-defined]
            except Exception:  # noqa: S112 - a queue never declared has nothing to purge
                continue
    return purged


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


@contextmanager
def running_worker(
    *,
    queues: str = "default,memos",
    ready_timeout: float = 60.0,
    env: dict[str, str] | None = None,
    stage_pause: float = 0.0,
    import_pause: float = 0.0,
    mail_dir: Path | None = None,
) -> Iterator[tuple[subprocess.Popen, str]]:
    """Start a worker (see ``start_worker``) and wait until it answers a ping; stop it (and its children) afterwards."""
    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    purge_task_queues()
    process = start_worker(
        queues=queues, env=env, hostname=hostname, stage_pause=stage_pause, import_pause=import_pause, mail_dir=mail_dir
    )
    try:
        deadline = time.monotonic() + ready_timeout
        while not celery_app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with status {process.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not answer a ping within {ready_timeout:.0f} s")
        yield process, hostname
    finally:
        stop_worker(process)


def stop_worker(process: subprocess.Popen, *, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

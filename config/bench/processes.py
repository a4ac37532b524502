"""Processes the benchmark runs beside itself: a Celery worker and gunicorn, on the scratch database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from config.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)


def database_url(settings_dict: dict) -> str:
    """A connection's settings as a DATABASE_URL, so a child process uses the same (scratch or test) database."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{settings_dict.get('HOST') or ''}{port}/{settings_dict['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    return os.environ | {"DATABASE_URL": database_url(connection.settings_dict), **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A child in its own process group (stopped with all its children), its output kept in ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - commands built here from sys.executable
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    """Stop the child's whole process group, even if the child itself has already gone (its children may not have)."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # nothing left in the group
        os.killpg(process.pid, sig)


def delete_queue(name: str) -> None:
    """Drop the benchmark's queue and its binding (Celery names the exchange after the queue), so the broker keeps
    nothing of the run. Declared here first: a channel deletes only the bindings it knows."""
    with celery_app.connection_for_write() as conn:
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name).bind(conn.default_channel)
        queue.declare()
        queue.delete()


def start_worker(*, hostname: str, queue: str, log: Path, timeout: float = 90.0) -> subprocess.Popen:
    """One memo worker on ``queue`` alone (concurrency 1, as a render is measured alone), returned once it answers a
    ping."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=WARNING",
        f"--queues={queue}",
        "--concurrency=1",
        f"--hostname={hostname}",
        "--without-mingle",
        "--without-gossip",
    ]
    process = start(command, env=child_env(DILIGENCE_MEMO_QUEUE=queue), log=log)
    deadline = time.monotonic() + timeout
    while not celery_app.control.ping(destination=[hostname], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"the benchmark's Celery worker did not start; see {log}")
    return process


def start_gunicorn(
    *, port: int, workers: int, log: Path, app: str = "config.wsgi:application", timeout: float = 60.0
) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--log-level=warning",
    ]
    process = start(command, env=child_env(), log=log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"gunicorn did not start; see {log}") from None
            time.sleep(0.2)

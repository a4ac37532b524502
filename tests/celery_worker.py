"""The Celery worker the tests start (``python -m tests.celery_worker worker ...``, see tests/workers.py): the
project's app and tasks, with adjustments that serve tests only and so live here, never in the product. Each is asked
for by an environment variable that tests/workers.py sets:

- ``TEST_WORKER_STAGE_PAUSE`` (seconds): each step of a memo render (the HTML, then the PDF layout) waits that long
  before it runs, its stage already recorded, so a test can kill the worker, restart the broker or pass a time limit
  while a memo is rendering.
- ``TEST_WORKER_IMPORT_PAUSE`` (seconds): each file of an import job waits that long before it is imported, inside
  its transaction, so a test can watch the progress move file by file and kill the worker between two files.
- ``TEST_WORKER_MAIL_DIR``: the email the worker sends is written there, one file per message, for the test to
  read; without it, it goes to Django's in-memory test outbox (and is lost with the process), never to a server.
- ``TEST_WORKER_CACHE_PREFIX``: the test run's cache key prefix (random per run, config/settings/test.py), so what
  the worker leaves in the shared cache (its heartbeats) is what the test process reads.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import django

# The steps of diligence.services.memos.memo_render a pause goes in front of, by the names that module calls them by.
RENDER_STEPS = ("render_memo_html", "render_memo_pdf")


def pause_render_steps(seconds: float) -> None:
    """Wrap each render step so it waits first. Forked pool children inherit the wrapped steps."""
    from diligence.services import memos

    for name in RENDER_STEPS:
        step = getattr(memos, name)  # an AttributeError here means the service was changed: this must follow it

        @functools.wraps(step)
        def paused(*args: object, _step: Callable[..., object] = step, **kwargs: object) -> object:
            time.sleep(seconds)
            return _step(*args, **kwargs)

        setattr(memos, name, paused)


def pause_import_files(seconds: float) -> None:
    """Wrap the step that imports one file of a job so it waits first (assets.jobs.services calls it ``_write``)."""
    from assets.jobs import services

    step = services._write  # an AttributeError here means the service was changed: this must follow it

    @functools.wraps(step)
    def paused(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return step(*args, **kwargs)

    services._write = paused


def test_mailers(mail_dir: str) -> dict[str, dict[str, object]]:
    if mail_dir:
        return {"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                            "OPTIONS": {"file_path": mail_dir}}}  # fmt: skip
    return {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from django.conf import settings

    settings.MAILERS = test_mailers(os.environ.get("TEST_WORKER_MAIL_DIR", ""))  # before anything sends mail
    if prefix := os.environ.get("TEST_WORKER_CACHE_PREFIX"):
        settings.CACHES["default"]["KEY_PREFIX"] = prefix  # before the cache is first used
    django.setup()
    pause = float(os.environ.get("TEST_WORKER_STAGE_PAUSE") or 0)
    if pause:
        pause_render_steps(pause)
    if import_pause := float(os.environ.get("TEST_WORKER_IMPORT_PAUSE") or 0):
        pause_import_files(import_pause)
    from config.celery import app

    app.worker_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Hand-offs to the task queue, by task name.

Services decide what runs and when; the tasks in ``diligence.tasks`` only call services back. Sending by name keeps
that one way (import-linter's contract in pyproject.toml): the tasks are registered under the names below, and
tests/diligence/test_queue.py checks that each one is, so a renamed task cannot leave its messages unconsumed.
"""

from __future__ import annotations

from typing import Any

from celery import current_app

MEMO_RENDER = "diligence.tasks.memo_render"
MEMO_SWEEP = "diligence.tasks.memo_sweep"
NOTIFICATION_EMAIL = "diligence.tasks.notification_email"
SEARCH_INDEX = "diligence.tasks.search_index"
FINDINGS_RECOMPUTE = "diligence.tasks.findings_recompute_assets"
LOGIN_LINK_EMAIL = "diligence.tasks.login_link_email"
DUE_REMINDERS = "diligence.tasks.due_reminders"
NOTIFICATION_DIGEST = "diligence.tasks.notification_digest"
WEBHOOK_DELIVER = "diligence.tasks.webhook_deliver"


def send(task: str, *, args: list[object], **options: Any) -> None:
    """Publish one message for ``task``. Raises when the broker cannot take it; the caller decides what that means.

    ``current_app`` is the project's Celery app (``config.celery``): loading Django's settings imports the ``config``
    package, which creates it and makes it current, in every process; ``diligence`` cannot import ``config`` itself.
    """
    current_app.send_task(task, args=args, **options)

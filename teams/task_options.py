"""Celery options shared by every task whose job lives in a database row (a memo, an import job).

The message is acknowledged only after the task has run, and put back if its worker is lost, so a job is never
dropped; the task is idempotent (it claims the row first), so a second delivery does nothing. A database that blinked
is retried after a random part of 2, 4, 8, 16 and 32 seconds, up to 60, with the job put back in the queue meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError

DATABASE_ROW_JOB: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}

"""Which Celery workers are alive, read from the heartbeats they leave in the shared cache (``config.heartbeats``
writes them; ``/health/`` and the memo progress read them here, where diligence may)."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache

if TYPE_CHECKING:
    from diligence.models import Memo

KEY = "health:worker-heartbeats"  # {worker name: time of its last beat (seconds since the epoch)}
KEEP_SECONDS = 24 * 60 * 60  # the record outlives every worker going away, so "down" stays readable
INLINE = "inline"  # the worker name of a render run in the requesting process (``manage.py memo --inline``)


def stale_after() -> float:
    return float(settings.DILIGENCE_WORKER_STALE_SECONDS)


def live_workers(*, now: float | None = None) -> list[str]:
    """The names of the workers heard from within the stale limit. Clocks of hosts are assumed to agree to well
    within that limit (NTP)."""
    now = time.time() if now is None else now
    return sorted(name for name, beat in (cache.get(KEY) or {}).items() if now - beat < stale_after())


def memo_retry_at(memo: Memo) -> dt.datetime | None:
    """When a render whose worker has stopped will be sent again, or None while its worker lives (or it is not
    rendering). The sweeper requeues a render left past the hard time limit; it runs every minute, so the time is
    at most that minute later."""
    if memo.status != memo.Status.RENDERING or memo.started_at is None or memo.worker in ("", INLINE):
        return None
    if memo.worker in live_workers():
        return None
    sweep_every = float(str(settings.CELERY_BEAT_SCHEDULE["memo-sweep"]["schedule"]))
    stuck_after = settings.DILIGENCE_MEMO_HARD_TIME_LIMIT + 30  # memo_sweep's own limit
    return memo.started_at + dt.timedelta(seconds=stuck_after + sweep_every)

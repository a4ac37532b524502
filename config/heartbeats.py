"""Workers' heartbeats in the shared cache, so ``/health/`` reports the workers without asking them (a ping waits
for replies for a second or more; a load balancer's probe must not).

A worker's main process records the time of each of Celery's event heartbeats (``heartbeat_sent``: when its consumer
starts, then every 2 s while the consumer runs and the broker takes its events) under the worker's name, and removes
the name when it shuts down cleanly. A worker not heard from for ``DILIGENCE_WORKER_STALE_SECONDS`` (10 s, five missed
beats) counts as down: killed, hung, or cut off from the broker. Workers started with ``--without-heartbeat`` are
never seen. The cache is the one every process shares (Redis, or files under ``var/`` on one machine).
"""

from __future__ import annotations

import logging
import time

from celery.signals import heartbeat_sent, worker_shutdown
from django.core.cache import cache

# Read where diligence may reach them too (the memo progress says when a render's worker has stopped).
from diligence.workers import KEEP_SECONDS, KEY, live_workers, stale_after

logger = logging.getLogger(__name__)
__all__ = ["connect", "forget", "live_workers", "record"]


def record(hostname: str, *, at: float | None = None) -> None:
    """One beat of ``hostname``; names not heard from in a while are dropped on the way.

    Workers read and write the one record without a lock, so two beating at the same instant may lose one beat;
    each beat rewrites its own worker's time, and "down" takes five missed beats, so that never shows."""
    now = time.time() if at is None else at
    beats = {name: beat for name, beat in (cache.get(KEY) or {}).items() if now - beat < stale_after()}
    beats[hostname] = now
    cache.set(KEY, beats, timeout=KEEP_SECONDS)


def forget(hostname: str) -> None:
    beats = cache.get(KEY) or {}
    if beats.pop(hostname, None) is not None:
        cache.set(KEY, beats, timeout=KEEP_SECONDS)


def _on_heartbeat(sender: object, **kwargs: object) -> None:
    try:  # runs in the worker's event loop: a cache outage is logged, never allowed to stop the consumer
        record(sender.eventer.hostname)  # type: ignore[attr-defined]
    except Exception:
        logger.exception("worker heartbeat not recorded")


def _on_shutdown(sender: object, **kwargs: object) -> None:
    try:
        forget(sender.hostname)  # type: ignore[attr-defined]
    except Exception:
        logger.exception("worker heartbeat not removed")


def connect() -> None:
    """Connect the receivers; before a worker's consumer starts, as Celery only beats to receivers present then."""
    heartbeat_sent.connect(_on_heartbeat, weak=False, dispatch_uid="config.heartbeats.record")
    worker_shutdown.connect(_on_shutdown, weak=False, dispatch_uid="config.heartbeats.forget")

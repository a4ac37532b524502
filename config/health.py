"""``GET /health/``: the state of the database, the broker and the workers, for load balancers and people.

The database and the broker are asked directly (a connection each); the workers are read from the heartbeats they
leave in the shared cache (config/heartbeats.py), so a probe never waits for replies from them."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config import heartbeats
from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def database_state() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the kind is reported, never the DSN
        logger.warning("health: database unreachable: %s", exc)
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_state(url: str | None = None) -> dict[str, object]:
    url = url or celery_app.conf.broker_url or settings.CELERY_BROKER_URL
    transport = urlsplit(url).scheme or "unknown"
    try:
        with celery_app.connection_for_write(url) as conn:
            # kombu documents the intervals as float seconds; celery-types declares int.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)  # type: ignore[arg-type]
    except Exception as exc:  # any transport error means "down"
        logger.warning("health: broker unreachable: %s", exc)
        return {"ok": False, "transport": transport, "error": type(exc).__name__}
    return {"ok": True, "transport": transport}


def workers_state() -> dict[str, object]:
    """From the heartbeats workers leave in the shared cache (config/heartbeats.py), not by asking them."""
    try:
        names = heartbeats.live_workers()
    except Exception as exc:  # the cache is unreachable: no worker can be seen
        logger.warning("health: worker heartbeats unreadable: %s", exc)
        return {"ok": False, "count": 0, "error": type(exc).__name__}
    return {"ok": bool(names), "count": len(names), "names": names}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = database_state()
    broker = broker_state()
    workers = workers_state() if broker["ok"] else {"ok": False, "count": 0, "error": "broker unreachable"}
    everything_up = database["ok"] and broker["ok"] and workers["ok"]
    body = {
        "status": "ok" if everything_up else ("degraded" if database["ok"] else "down"),
        "database": database,
        "broker": broker,
        "workers": workers,
    }
    return JsonResponse(body, status=200 if database["ok"] else 503)

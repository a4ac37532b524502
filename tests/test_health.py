from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from config import heartbeats
from config.health import broker_state
from tests.workers import running_worker


@pytest.fixture
def no_heartbeats():
    """The heartbeat record starts empty: the cache is shared by the whole run, and workers of earlier tests beat."""
    cache.delete(heartbeats.KEY)
    yield
    cache.delete(heartbeats.KEY)


@pytest.mark.django_db
def test_health_reports_database_and_broker(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert set(body) == {"status", "database", "broker", "workers"}


@pytest.mark.django_db
def test_health_never_leaks_connection_details(client, settings):
    body = client.get("/health/").content.decode()
    assert settings.DATABASES["default"]["NAME"] not in body
    assert "password" not in body.lower()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_health_sees_a_real_worker_and_not_once_it_has_stopped(client, no_heartbeats):
    with running_worker() as (_process, hostname):
        body = client.get("/health/").json()
    assert body["workers"]["ok"] is True
    assert hostname in body["workers"]["names"]
    assert body["status"] == "ok"
    after = client.get("/health/").json()  # a clean shutdown takes the worker's name out at once
    assert hostname not in after["workers"].get("names", [])


@pytest.mark.django_db
def test_workers_are_read_from_their_heartbeats_and_a_silent_one_counts_as_down(client, settings, no_heartbeats):
    """No worker runs here: /health/ reads what workers recorded, it does not ask them."""
    now = time.time()
    heartbeats.record("silent@host", at=now - settings.DILIGENCE_WORKER_STALE_SECONDS - 1)  # killed, or hung
    heartbeats.record("beating@host", at=now - 1)
    body = client.get("/health/").json()
    assert body["workers"] == {"ok": True, "count": 1, "names": ["beating@host"]}
    assert body["status"] == "ok"


@pytest.mark.django_db
def test_no_heartbeat_means_no_worker(client, no_heartbeats):
    body = client.get("/health/").json()
    assert body["workers"] == {"ok": False, "count": 0, "names": []}
    assert body["status"] == "degraded"
    assert client.get("/health/").status_code == 200  # the database answers: the web server can take requests


def test_a_beat_drops_workers_gone_quiet_from_the_record(settings, no_heartbeats):
    now = time.time()
    heartbeats.record("gone@host", at=now - settings.DILIGENCE_WORKER_STALE_SECONDS - 1)
    heartbeats.record("here@host", at=now)
    assert set(cache.get(heartbeats.KEY)) == {"here@host"}


def test_broker_reported_down_when_the_broker_does_not_answer():
    # A real Redis transport pointed at a loopback port where nothing listens.
    assert broker_state("redis://127.0.0.1:1/0") == {"ok": False, "transport": "redis", "error": "OperationalError"}

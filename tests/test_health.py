from __future__ import annotations

import pytest

from config.health import broker_state
from tests.workers import running_worker


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
def test_health_sees_a_real_worker(client):
    with running_worker() as (_process, hostname):
        body = client.get("/health/").json()
    assert body["workers"]["ok"] is True
    assert hostname in body["workers"]["names"]
    assert body["status"] == "ok"


def test_broker_reported_down_when_the_broker_does_not_answer():
    # A real Redis transport pointed at a loopback port where nothing listens.
    assert broker_state("redis://127.0.0.1:1/0") == {"ok": False, "transport": "redis", "error": "OperationalError"}

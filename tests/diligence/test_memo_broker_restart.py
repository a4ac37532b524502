"""Memos through a Redis broker that restarts and forgets everything, with a real worker process.

The test starts a Redis server of its own (never the machine's shared one), points this process's Celery app and a
worker at it, asks for memos, and stops Redis while one renders and the others wait in its queue. Redis keeps
nothing on disk here (``--save "" --appendonly no``), so the queued messages are gone when it comes back, as after
a crash or a redeploy without persistence. The Memo rows are the truth: the worker reconnects, the sweeper (what
Celery beat runs every minute) sends the lost ones again, and each memo is rendered exactly once.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from diligence.models import Memo, Notification
from diligence.services import memos
from tests.workers import running_worker, wait_for


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """A private ``redis-server`` on its own port and folder, that a test may stop and start again."""

    binary: str
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(command, cwd=self.folder, start_new_session=True)
        wait_for(self.answers, timeout=20, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; with nothing to save, whatever it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None

    def answers(self) -> bool:
        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def queue_length(self, queue: str) -> int:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).llen(queue)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("the broker-restart test starts a redis-server of its own: apt-get install redis-server")
    server = RedisServer(binary=binary, port=_free_port(), folder=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _forget_connections() -> None:
    """Close and forget every pooled connection (kombu keeps its pools per broker, process-wide) and the app's
    references to them, its producers' and its control mailbox's, so the next message goes to ``broker_url`` as
    configured now. Celery and kombu do the same in a forked child."""
    kombu.pools.reset()
    # Celery's internals, which its type stubs do not describe.
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]
    celery_app.control.mailbox.__dict__.pop("producer_pool", None)  # type: ignore[attr-defined]


@pytest.fixture
def broker_on_private_redis(private_redis: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """This process's Celery app sends to the private Redis for the test, and to its usual broker again after."""
    conf = celery_app.conf
    saved = {"broker_url": conf.broker_url, "broker_transport_options": dict(conf.broker_transport_options)}
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url)  # Celery reads the variable before its settings
    _forget_connections()
    conf.update(
        broker_url=private_redis.url,
        broker_transport_options={"visibility_timeout": settings.DILIGENCE_MEMO_HARD_TIME_LIMIT + 60},
    )
    try:
        yield private_redis
    finally:
        _forget_connections()
        conf.update(saved)


def _worker_answers(hostname: str) -> bool:
    try:
        return bool(celery_app.control.ping(destination=[hostname], timeout=1))
    except (OperationalError, OSError, redis.exceptions.ConnectionError):
        return False  # this process's pooled connection is still the one from before the restart


def _statuses(ids: list[int]) -> dict[int, str]:
    return dict(Memo.objects.filter(pk__in=ids).values_list("pk", "status"))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_memos_queued_when_the_broker_restarts_are_each_rendered_once(world, broker_on_private_redis, capsys):
    started = time.monotonic()
    server = broker_on_private_redis
    asset, lead = world.facts.asset, world.lead  # PHX-1, with version 1 already rendered
    pdf_folder = Path(settings.MEDIA_ROOT) / "memos" / str(world.phoenix.pk)
    pdfs_before = set(pdf_folder.iterdir())
    # Each render step waits 1.5 s, so one memo is still rendering when Redis stops and the others still wait.
    with running_worker(queues="memos", env={"CELERY_BROKER_URL": server.url}, stage_pause=1.5) as (worker, hostname):
        ids = [memos.memo_request(asset=asset, user=lead).pk for _ in range(3)]
        wait_for(lambda: "rendering" in _statuses(ids).values(), timeout=120, what="the worker to claim a memo")
        in_flight = [pk for pk, status in _statuses(ids).items() if status == "rendering"]
        waiting = [pk for pk, status in _statuses(ids).items() if status == "queued"]
        assert len(in_flight) == 1 and len(waiting) == 2, _statuses(ids)
        assert server.queue_length("memos") == 2  # the two waiting messages are in Redis, and only there

        server.stop()
        # A user asks for a memo while the broker is down: the row is kept and the request does not fail.
        during = memos.memo_request(asset=asset, user=lead)
        ids.append(during.pk)
        server.start()
        assert server.queue_length("memos") == 0  # Redis came back empty: three memos have no message any more

        wait_for(lambda: _worker_answers(hostname), timeout=120, what="the worker to reconnect")
        assert worker.poll() is None
        # The render in flight kept going on its worker and finished; nothing else moves without a message.
        wait_for(lambda: _statuses(in_flight)[in_flight[0]] == "ready", timeout=180, what="the render in flight")
        assert set(_statuses(waiting + [during.pk]).values()) == {"queued"}

        # What Celery beat's sweep does once the memos have waited past the limit (here: at once).
        assert sorted(memos.memo_sweep(stuck_after_seconds=0).requeued) == sorted(waiting + [during.pk])
        wait_for(lambda: set(_statuses(ids).values()) == {"ready"}, timeout=300, what="the resent memos")
        # Nothing left over: another sweep finds nothing to send again.
        assert memos.memo_sweep(stuck_after_seconds=0).requeued == []

    rendered = list(Memo.objects.filter(pk__in=ids).order_by("version"))
    assert [m.version for m in rendered] == [2, 3, 4, 5]  # distinct, in the order they were asked for
    assert [(m.status, m.attempts) for m in rendered] == [("ready", 1)] * 4  # each claimed and rendered once
    # The test worker's paused steps gave the window above.
    assert all(m.render_seconds is not None and m.render_seconds >= 2 * 1.5 for m in rendered)
    assert all(m.worker == hostname for m in rendered)
    # One PDF each, and no stray PDF from a second render of any of them.
    assert len({m.pdf.name for m in rendered}) == 4 and all(Path(m.pdf.path).is_file() for m in rendered)
    assert set(pdf_folder.iterdir()) - pdfs_before == {Path(m.pdf.path) for m in rendered}
    # The requester is told once per memo.
    ready = Notification.objects.filter(user=lead, kind=Notification.Kind.MEMO_READY, memo_id__in=ids)
    assert sorted(ready.values_list("memo_id", flat=True)) == sorted(ids)
    with capsys.disabled():
        print(f"\nbroker restart: {len(ids)} memos, each rendered once, in {time.monotonic() - started:.1f} s")


@pytest.mark.django_db
def test_a_memo_put_back_in_the_queue_whose_message_was_lost_is_sent_again(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """A memo the sweeper took back from a dead worker (or a retried one) has a start time; if the broker then loses
    its message, a later sweep must send it again all the same."""
    sent: list[int] = []
    with django_capture_on_commit_callbacks(execute=False):
        memo = memos.memo_request(asset=world.facts.asset, user=world.lead)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Memo.objects.filter(pk=memo.pk).update(status="rendering", requested_at=long_ago, started_at=long_ago, attempts=1)
    monkeypatch.setattr(memos, "_enqueue", sent.append)  # the broker takes the message ...
    assert memos.memo_sweep().requeued == [memo.pk]
    assert sent == [memo.pk]  # ... sent once, not twice in one sweep
    sent.clear()  # ... and loses it in a restart
    assert memos.memo_sweep().requeued == [memo.pk]
    assert sent == [memo.pk]
    monkeypatch.undo()
    assert memos.memo_render(memo_id=memo.pk) is True
    memo.refresh_from_db()
    assert (memo.status, memo.attempts) == ("ready", 2)

"""Memos through real Celery worker processes: end to end, a worker killed mid-render, a render past its limit."""

from __future__ import annotations

import os
import signal
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from assets.models import Asset
from diligence.models import Finding, Memo
from diligence.services import memos
from diligence.services.checklists import review_start
from teams.models import User
from tests.workers import purge_task_queues, running_worker, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

QUESTION_HEADINGS = [
    "1. Data integrity",
    "2. Consent and ethics",
    "3. HGR and data export",
    "4. Ownership",
    "5. Registration plan",
]


@pytest.fixture
def demo_risk() -> Asset:
    call_command("seed_demo", stdout=StringIO())
    asset = Asset.objects.get(team__slug="phoenix", code="DEMO-RISK")
    review_start(asset=asset, user=None)
    return asset


def finished(memo_id: int) -> bool:
    return Memo.objects.get(pk=memo_id).is_finished


def test_a_real_worker_renders_the_demo_risk_memo(demo_risk):
    lead = User.objects.get(username="lead")
    with running_worker():
        memo = memos.memo_request(asset=demo_risk, user=lead)
        wait_for(lambda: finished(memo.pk), timeout=180, what="the memo to render")
    memo.refresh_from_db()
    assert memo.status == "ready", memo.error
    reader = PdfReader(memo.pdf.path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == memo.pages
    assert demo_risk.name in text
    for heading in QUESTION_HEADINGS:
        assert heading in text
    citations = set(Finding.objects.filter(asset=demo_risk, status="open").values_list("citation", flat=True))
    assert citations >= {"ORDER-818", "HGR-2024", "CFR-312.120", "ICH-E17", "NMPA-86", "DEAL-TRAP"}
    for citation in citations:
        assert citation in text
    assert memo.worker.startswith("test-")


def test_a_worker_killed_mid_render_leaves_one_memo_that_completes_once(demo_risk):
    lead = User.objects.get(username="lead")
    purge_task_queues()
    slow = start_worker(queues="memos", hostname="slow@localhost", stage_pause=2)
    try:
        memo = memos.memo_request(asset=demo_risk, user=lead)
        wait_for(lambda: Memo.objects.get(pk=memo.pk).status == "rendering", timeout=120, what="a worker to claim it")
        os.killpg(slow.pid, signal.SIGKILL)  # mid-render: no chance to clean up
        slow.wait(timeout=20)
    finally:
        if slow.poll() is None:
            os.killpg(slow.pid, signal.SIGKILL)
    assert Memo.objects.get(pk=memo.pk).status == "rendering"
    with running_worker(queues="memos"):
        # What Celery beat's sweep does once the hard time limit has passed (here: at once).
        assert memos.memo_sweep(stuck_after_seconds=0).requeued == [memo.pk]
        wait_for(lambda: finished(memo.pk), timeout=180, what="the requeued memo")
    memo.refresh_from_db()
    assert (memo.status, memo.version, memo.attempts) == ("ready", 1, 2)
    assert Memo.objects.filter(asset=demo_risk).count() == 1


def test_a_render_past_its_soft_limit_fails_readably_and_a_retry_completes(demo_risk, settings):
    lead = User.objects.get(username="lead")
    settings.DILIGENCE_MEMO_SOFT_TIME_LIMIT = 1  # the limits travel with the message, from the sender's settings
    with running_worker(queues="memos", stage_pause=2):
        memo = memos.memo_request(asset=demo_risk, user=lead)
        wait_for(lambda: finished(memo.pk), timeout=120, what="the memo to fail")
    memo.refresh_from_db()
    assert memo.status == "failed" and "longer than the 1-second limit" in memo.error
    settings.DILIGENCE_MEMO_SOFT_TIME_LIMIT = 120
    with running_worker(queues="memos"):
        memos.memo_retry(memo=memo, user=lead)
        wait_for(lambda: finished(memo.pk), timeout=180, what="the retried memo")
    memo.refresh_from_db()
    assert memo.status == "ready" and memo.attempts == 2

"""Memos: request -> ready through a real worker, against WeasyPrint alone on the same HTML in the same run, and
the worker's resident memory after a run of memos."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import weasyprint
from django.utils import timezone

from diligence.bench import processes
from diligence.bench.dataset import TeamSubjects
from diligence.memos.fetcher import MEMO_ORIGIN, MemoUrlFetcher
from diligence.memos.render import render_memo_html
from diligence.memos.snapshot import build_snapshot
from diligence.models import Memo
from diligence.services.memos import memo_request

POLL = 0.02  # seconds between status reads while a memo renders
TIMEOUT = 300.0


def _request_until_ready(subjects: TeamSubjects) -> tuple[float, Memo]:
    started = time.perf_counter()
    memo = memo_request(asset=subjects.asset, user=subjects.user)  # committed: the task is sent on commit
    deadline = time.monotonic() + TIMEOUT
    while True:
        status = Memo.objects.filter(pk=memo.pk).values_list("status", flat=True).get()
        if status == Memo.Status.READY:
            return time.perf_counter() - started, Memo.objects.get(pk=memo.pk)
        if status == Memo.Status.FAILED or time.monotonic() > deadline:
            memo.refresh_from_db()
            raise RuntimeError(f"memo {memo.pk} did not become ready: {memo.status} {memo.error}")
        time.sleep(POLL)


def _raw_render(subjects: TeamSubjects) -> tuple[float, int]:
    """WeasyPrint alone: the memo's HTML (built outside the timing) straight to PDF bytes."""
    snapshot = build_snapshot(
        asset=subjects.asset, review=subjects.review, team=subjects.team, version=1, previous=None,
        today=timezone.localdate(), generated_at=timezone.now(),
    )  # fmt: skip
    html = render_memo_html(snapshot)
    started = time.perf_counter()
    document = weasyprint.HTML(string=html, base_url=MEMO_ORIGIN, url_fetcher=MemoUrlFetcher()).render()
    document.write_pdf()
    return time.perf_counter() - started, len(document.pages)


def _rss_mb(process: psutil.Process) -> tuple[float, float]:
    """Resident memory of the worker: the whole process tree, and its largest child (the one that renders)."""
    children = process.children(recursive=True)
    child = max((c.memory_info().rss for c in children), default=0)
    total = process.memory_info().rss + sum(c.memory_info().rss for c in children)
    return round(total / 2**20, 1), round(child / 2**20, 1)


def measure(subjects: TeamSubjects, *, runs: int, rss_after: int) -> dict[str, object]:
    log_dir = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    worker = processes.start_worker(hostname=f"bench-{uuid.uuid4().hex[:8]}@localhost", log=log_dir / "worker.log")
    memos: list[Memo] = []
    e2e: list[float] = []
    raw: list[tuple[float, int]] = []
    try:
        _seconds, first = _request_until_ready(subjects)  # warm-up: the worker's first render loads fonts
        memos.append(first)
        _raw_render(subjects)  # and the same warm-up in this process
        # Worker and WeasyPrint alone take turns, so whatever else the machine does weighs on both alike.
        for n in range(max(runs, rss_after - 1)):
            seconds, memo = _request_until_ready(subjects)
            memos.append(memo)
            if n < runs:
                e2e.append(seconds)
                raw.append(_raw_render(subjects))
        total_mb, child_mb = _rss_mb(psutil.Process(worker.pid))
    finally:
        processes.stop(worker)
        for memo in memos:
            memo.pdf.delete(save=False)
    e2e_s, raw_s = statistics.median(e2e), statistics.median(seconds for seconds, _pages in raw)
    return {
        "e2e_s": round(e2e_s, 3),
        "raw_s": round(raw_s, 3),
        "ratio": round(e2e_s / raw_s, 2),
        "pages": memos[-1].pages,
        "raw_pages": raw[0][1],
        "memos": len(memos),
        "worker_rss_mb": total_mb,
        "worker_child_rss_mb": child_mb,
        "render_s_recorded": round(statistics.median(m.render_seconds for m in memos[1:] or memos), 3),
    }

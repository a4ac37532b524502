"""Memos: request -> ready through a real worker, against WeasyPrint alone on the same HTML in the same run, and
the worker's resident memory after a run of memos."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import psutil
from django.test import override_settings
from django.utils import timezone

from config.bench import processes
from config.bench.dataset import TeamSubjects
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


class RawRenderer:
    """WeasyPrint alone on the memo's HTML, in a child process that stays up between runs (see raw_render)."""

    def __init__(self, subjects: TeamSubjects, workdir: Path) -> None:
        snapshot = build_snapshot(
            asset=subjects.asset,
            review=subjects.review,
            team=subjects.team,
            version=1,
            previous=None,
            today=timezone.localdate(),
            generated_at=timezone.now(),
        )
        html = workdir / "memo.html"
        html.write_text(render_memo_html(snapshot), encoding="utf-8")
        self.process = subprocess.Popen(  # noqa: S603 - our own module, run by this interpreter
            [sys.executable, "-m", "config.bench.raw_render", str(html)],
            cwd=processes.BASE_DIR,
            env=processes.child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def render(self) -> tuple[float, int]:
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:  # both are pipes, opened in __init__
            raise RuntimeError("the WeasyPrint-alone process has no pipes to talk through")
        stdin.write("render\n")
        stdin.flush()
        answer = stdout.readline()
        if not answer:
            raise RuntimeError("the WeasyPrint-alone process ended without an answer")
        result = json.loads(answer)
        return result["s"], result["pages"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _rss_mb(process: psutil.Process) -> tuple[float, float]:
    """Resident memory of the worker: the whole process tree, and its largest child (the one that renders). A child
    past its memory limit is replaced after its task: wait for the new one rather than count a worker without."""
    deadline = time.monotonic() + 30
    while not process.children(recursive=True) and time.monotonic() < deadline:
        time.sleep(0.1)
    children = process.children(recursive=True)
    child = max((c.memory_info().rss for c in children), default=0)
    total = process.memory_info().rss + sum(c.memory_info().rss for c in children)
    return round(total / 2**20, 1), round(child / 2**20, 1)


def _delete_pdfs(memos: list[Memo]) -> None:
    for memo in memos:
        memo.pdf.delete(save=False)


def _render_seconds(memos: list[Memo]) -> list[float]:
    """What each ready memo's worker recorded for its render (a memo that is not ready has none)."""
    return [memo.render_seconds for memo in memos if memo.render_seconds is not None]


def measure(subjects: TeamSubjects, *, runs: int, rss_after: int) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-memo-"))
    queue = f"bench-memos-{os.getpid()}"  # a queue of its own: no other worker takes these, it takes no others
    memos: list[Memo] = []
    e2e: list[float] = []
    raw: list[tuple[float, int]] = []
    with ExitStack() as cleanup, override_settings(DILIGENCE_MEMO_QUEUE=queue, DILIGENCE_MAIL_QUEUE=queue):
        cleanup.callback(_delete_pdfs, memos)
        cleanup.callback(processes.delete_queue, queue)
        hostname = f"bench-{uuid.uuid4().hex[:8]}@localhost"
        worker = processes.start_worker(hostname=hostname, queue=queue, log=workdir / "worker.log")
        cleanup.callback(processes.stop, worker)
        renderer = RawRenderer(subjects, workdir)
        cleanup.callback(renderer.close)
        _seconds, first = _request_until_ready(subjects)  # warm-up: the worker's first render loads fonts
        memos.append(first)
        renderer.render()  # and the same warm-up for WeasyPrint alone
        # Worker and WeasyPrint alone take turns, so whatever else the machine does weighs on both alike.
        for n in range(max(runs, rss_after - 1)):
            seconds, memo = _request_until_ready(subjects)
            memos.append(memo)
            if n < runs:
                e2e.append(seconds)
                raw.append(renderer.render())
        total_mb, child_mb = _rss_mb(psutil.Process(worker.pid))
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
        "render_s_recorded": round(statistics.median(_render_seconds(memos[1:] or memos)), 3),
    }

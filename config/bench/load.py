"""Load from a second process: wrk on loopback against gunicorn, logged-in users of several teams reading the asset
list, asset pages, review pages and dashboards. First a bounded load (users who read each page for a second), then a
saturation run: no think time, connections doubled until p95 passes 300 ms, for the page mix, for the layout alone
(the ceiling of any page: what every page pays before its own rows) and for the bare view on the same server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.test import Client
from django.urls import reverse

from config.bench import processes
from config.bench.dataset import TeamSubjects

# What the README recommends for a 2-core server: gunicorn's (2 x cores) + 1 sync workers.
RECOMMENDED_WORKERS = 2 * (os.cpu_count() or 1) + 1

# Each connection is a user: it takes the next (cookie, path) pair, and reads the page for THINK_MS before the
# next request; done() prints the figures as one JSON line.
THINK_MS = 1000
# The saturation run raises the connections (no think time) until the 95th percentile passes this.
SATURATION_P95_MS = 300
WRK_SCRIPT = """
local pairs = {%s}
local n = 0
delay = function()
  return %d
end
request = function()
  n = n + 1
  local pair = pairs[(n %% #pairs) + 1]
  return wrk.format("GET", pair[2], {["Cookie"] = "sessionid=" .. pair[1]})
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout
  io.write(string.format('{"requests": %%d, "seconds": %%.3f, "p50_ms": %%.1f, "p95_ms": %%.1f, "p99_ms": %%.1f, '
    .. '"errors": %%d}\\n', summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def _session_cookie(subjects: TeamSubjects) -> str:
    client = Client()
    client.force_login(subjects.user)
    return client.cookies["sessionid"].value


def _paths(subjects: TeamSubjects) -> list[str]:
    return [
        reverse("assets:asset_list"),
        reverse("assets:asset_detail", args=[subjects.asset.pk]),
        reverse("diligence:review_detail", args=[subjects.review.pk]),
        reverse("diligence:team_home", args=[subjects.team.slug]),
    ]


def _check(port: int, cookie: str, path: str) -> None:
    """Every URL in the mix answers 200 for its user before the load starts (a redirect would be a cheap lie)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={cookie}"})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback, our own server
        if response.status != 200 or response.url != request.full_url:
            raise RuntimeError(f"{path} answered {response.status} at {response.url}")


@contextmanager
def server(log_dir: Path) -> Iterator[int]:
    """gunicorn with the recommended workers on the benchmark's URLconf (the app's pages and the bare view); its
    port."""
    port = processes.free_port()
    process = processes.start_gunicorn(
        port=port, workers=RECOMMENDED_WORKERS, log=log_dir / "gunicorn.log", app="config.bench.wsgi:application"
    )
    try:
        yield port
    finally:
        processes.stop(process)


def _wrk(wrk: str, port: int, mix: list[tuple[str, str]], *, connections: int, seconds: int, think_ms: int) -> dict:
    """One wrk run over the (cookie, path) pairs; its figures (requests, seconds, p50/p95/p99 in ms, errors)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    script = workdir / "mix.lua"
    script.write_text(WRK_SCRIPT % (", ".join(f'{{"{c}", "{p}"}}' for c, p in mix), think_ms))
    command = [
        wrk,
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={script}",
        f"http://127.0.0.1:{port}/",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    return figures


def measure(teams: list[TeamSubjects], *, users: int, seconds: int, max_connections: int, step_seconds: int) -> dict:
    """The bounded load (``users`` with a second's think time) and the saturation run, on one gunicorn."""
    wrk = shutil.which("wrk")
    if wrk is None:
        skipped = {"skipped": "wrk is not installed (apt-get install wrk)"}
        return {"load": skipped, "saturation": skipped}
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    with server(workdir) as port:
        mix = [(_session_cookie(s), path) for s in teams[:users] for path in _paths(s)]
        cookies = list(dict.fromkeys(cookie for cookie, _path in mix))
        bare = [(cookie, reverse("bench_bare")) for cookie in cookies]
        layout = [(cookie, reverse("bench_layout")) for cookie in cookies]
        for cookie, path in [*mix, *layout, *bare]:
            _check(port, cookie, path)
        figures = _wrk(wrk, port, mix, connections=users, seconds=seconds, think_ms=THINK_MS)
        load = {
            "users": users,
            "think_ms": THINK_MS,
            "gunicorn_workers": RECOMMENDED_WORKERS,
            **{k: figures[k] for k in ("seconds", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")},
        }
        pages = _saturate(wrk, port, mix, max_connections=max_connections, seconds=step_seconds)
        stack = _saturate(wrk, port, layout, max_connections=max_connections, seconds=step_seconds)
        floor = _saturate(wrk, port, bare, max_connections=max_connections, seconds=step_seconds)
    return {"load": load, "saturation": _saturation(pages, stack, floor)}


def _saturate(wrk: str, port: int, mix: list[tuple[str, str]], *, max_connections: int, seconds: int) -> list[dict]:
    """wrk with no think time at 1, 2, 4, ... connections, until p95 passes ``SATURATION_P95_MS`` (or the last step)."""
    steps = []
    connections = 1
    while connections <= max_connections:
        figures = _wrk(wrk, port, mix, connections=connections, seconds=seconds, think_ms=0)
        steps.append({"connections": connections, **{k: figures[k] for k in ("rps", "p50_ms", "p95_ms", "errors")}})
        if figures["p95_ms"] > SATURATION_P95_MS:
            break
        connections *= 2
    return steps


def _saturation(pages: list[dict], stack: list[dict], bare: list[dict]) -> dict[str, object]:
    """The highest requests per second with p95 under the limit (and no errors), for the pages, the layout alone and
    the bare view."""

    def best(steps: list[dict]) -> dict:
        fit = [s for s in steps if s["p95_ms"] <= SATURATION_P95_MS and not s["errors"]]
        return max(fit, key=lambda s: s["rps"]) if fit else {"rps": 0.0, "p95_ms": None, "connections": None}

    top, layout, floor = best(pages), best(stack), best(bare)
    return {
        "rps": top["rps"],
        "p95_ms": top["p95_ms"],
        "connections": top["connections"],
        "bare_rps": floor["rps"],
        "bare_p95_ms": floor["p95_ms"],
        "bare_connections": floor["connections"],
        "ratio": round(top["rps"] / floor["rps"], 2) if floor["rps"] else 0.0,
        "stack_rps": layout["rps"],
        "stack_ratio": round(layout["rps"] / floor["rps"], 2) if floor["rps"] else 0.0,
        "p95_limit_ms": SATURATION_P95_MS,
        "gunicorn_workers": RECOMMENDED_WORKERS,
        "steps": pages,
        "stack_steps": stack,
        "bare_steps": bare,
    }

"""A bounded mixed load from a second process: wrk on loopback against gunicorn, logged-in users of several teams
reading the asset list, asset pages, review pages and dashboards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
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


def measure(teams: list[TeamSubjects], *, users: int, seconds: int) -> dict[str, object]:
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    port = processes.free_port()
    server = processes.start_gunicorn(port=port, workers=RECOMMENDED_WORKERS, log=workdir / "gunicorn.log")
    try:
        mix = [(_session_cookie(s), path) for s in teams[:users] for path in _paths(s)]
        for cookie, path in mix:
            _check(port, cookie, path)
        script = workdir / "mix.lua"
        script.write_text(WRK_SCRIPT % (", ".join(f'{{"{c}", "{p}"}}' for c, p in mix), THINK_MS))
        threads = min(2, users)
        command = [
            wrk,
            f"--threads={threads}",
            f"--connections={users}",
            f"--duration={seconds}s",
            "--timeout=10s",
            f"--script={script}",
            f"http://127.0.0.1:{port}/",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    finally:
        processes.stop(server)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "users": users,
        "think_ms": THINK_MS,
        "gunicorn_workers": RECOMMENDED_WORKERS,
        "seconds": figures["seconds"],
        "requests": figures["requests"],
        "rps": round(figures["requests"] / figures["seconds"], 1),
        "p50_ms": figures["p50_ms"],
        "p95_ms": figures["p95_ms"],
        "p99_ms": figures["p99_ms"],
        "errors": figures["errors"],
    }

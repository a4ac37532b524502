"""`manage.py bench` at its small scale, end to end, so the command never rots: a scratch database, every
measurement, the table and bench-results.json. Figures are reported, never asserted on: timing is the benchmark's
business, not the test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from config.bench.processes import database_url
from tests.workers import BASE_DIR, purge_task_queues

pytestmark = pytest.mark.worker


@pytest.mark.django_db
def test_bench_small_runs_every_measurement_and_writes_its_results(tmp_path):
    purge_task_queues()
    output = tmp_path / "bench-results.json"
    env = os.environ | {"BENCH_SCALE": "small", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    if connection.vendor == "postgresql":
        # The benchmark makes its own scratch database beside the configured one, and drops it afterwards.
        env["DATABASE_URL"] = database_url(connection.settings_dict)
    else:
        env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "bench", "--output", str(output)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]

    results = json.loads(output.read_text())
    assert results["scale"] == "small"
    assert set(results["pages"]) == {"asset_list", "asset_detail", "review", "dashboard", "item_update"}
    for name, page in results["pages"].items():
        assert page["queries_small"] == page["queries_full"] > 0, name
        assert page["ms"] > 0 and page["floor_ms"] > 0 and page["ratio"] > 0, name
    assert results["import"]["sites"] == results["sizes"]["import_sites"]
    assert results["import"]["queries"] > 0
    assert results["memo"]["pages"] >= 1 and results["memo"]["worker_rss_mb"] > 0
    assert results["memo"]["memos"] >= results["sizes"]["memo_rss_after"]
    if "skipped" not in results["load"]:
        assert results["load"]["requests"] > 0 and results["load"]["errors"] == 0
    assert "| page review |" in result.stdout and "Wrote" in result.stdout
    # The scratch database is gone again.
    scratch = results["database"]["name"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch])
            assert cursor.fetchone()[0] == 0
    else:
        assert not os.path.exists(scratch)

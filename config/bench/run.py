"""The whole benchmark in one process run: scratch database, dataset, every measurement, the report."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import psutil
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.bench import dataset, imports, load, memo, pages
from config.bench.scales import SMALL, Scale

Say = Callable[[str], None]

TARGETS = {
    "page_ratio": 2.0,
    "memo_ratio": 1.25,
    "worker_rss_mb": 400,
    "import_s": 2.0,
    "import_queries": 20,
    "load_p95_ms": 300,
    "load_errors": 0,
}


@contextmanager
def scratch_database(say: Say) -> Iterator[str]:
    """A database of the benchmark's own, migrated, dropped afterwards: the configured one is never touched."""
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test_settings["NAME"] = str(settings.VAR_DIR / f"bench-{os.getpid()}.sqlite3")
    else:
        test_settings["NAME"] = f"iit_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    say(f"scratch database {test_settings['NAME']} ({connection.vendor}) ...")
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _timed(say: Say, what: str, step: Callable[[], Any]) -> Any:
    say(f"{what} ...")
    started = time.perf_counter()
    result = step()
    say(f"{what}: {time.perf_counter() - started:.1f} s")
    return result


def measure(scale: Scale, *, say: Say) -> dict[str, Any]:
    results: dict[str, Any] = {
        "scale": scale.name,
        "sizes": scale.as_dict(),
        "machine": machine(),
        "started_at": timezone.now().isoformat(timespec="seconds"),
    }
    with scratch_database(say) as name:
        results["database"] = {"vendor": connection.vendor, "name": name}
        small = _timed(say, "small dataset", lambda: dataset.build(SMALL, prefix="small"))
        full = _timed(say, f"{scale.name} dataset", lambda: dataset.build(scale, prefix="bench"))
        results["dataset"] = {"rows": full.rows, "seconds": {k: round(v, 1) for k, v in full.seconds.items()}}
        stack = pages.measure(pages.STACK, full.first, runs=scale.page_runs)
        results["stack_ms"] = stack["ms"]
        results["stack_queries"] = pages.query_count(pages.STACK, full.first)
        say(f"the layout alone (notifications page, empty): {stack['ms']:.1f} ms")
        page_results = {}
        for page in pages.PAGES:
            figures = {
                "queries_small": pages.query_count(page, small.first),
                "queries_full": pages.query_count(page, full.first),
            }
            figures |= _timed(say, f"page {page.name}", partial(pages.measure, page, full.first, runs=scale.page_runs))
            page_results[page.name] = figures
        results["pages"] = page_results
        results["import"] = _timed(
            say, "import", lambda: imports.measure(full.first, sites=scale.import_sites, runs=scale.page_runs)
        )
        results["memo"] = _timed(
            say, "memo", lambda: memo.measure(full.first, runs=scale.memo_runs, rss_after=scale.memo_rss_after)
        )
        results["load"] = _timed(
            say, "load", lambda: load.measure(full.teams, users=scale.load_users, seconds=scale.load_seconds)
        )
    results["targets"] = targets_met(results)
    results["finished_at"] = timezone.now().isoformat(timespec="seconds")
    return results


def targets_met(results: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for name, page in results["pages"].items():
        met[f"page {name}: ratio <= {TARGETS['page_ratio']}"] = page["ratio"] <= TARGETS["page_ratio"]
        met[f"page {name}: equal queries"] = page["queries_small"] == page["queries_full"]
    m, i, ld = results["memo"], results["import"], results["load"]
    met[f"memo ratio <= {TARGETS['memo_ratio']}"] = m["ratio"] <= TARGETS["memo_ratio"]
    met[f"worker RSS < {TARGETS['worker_rss_mb']} MB"] = m["worker_rss_mb"] < TARGETS["worker_rss_mb"]
    met[f"import < {TARGETS['import_s']} s"] = i["s"] < TARGETS["import_s"]
    met[f"import <= {TARGETS['import_queries']} queries"] = i["queries"] <= TARGETS["import_queries"]
    if "p95_ms" in ld:
        met[f"load p95 < {TARGETS['load_p95_ms']} ms"] = ld["p95_ms"] < TARGETS["load_p95_ms"]
        met["load: 0 errors"] = ld["errors"] == TARGETS["load_errors"]
    return met


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table (what the README's Performance section shows)."""
    lines = [
        "| Measure | Queries (small / full) | Time | Floor | Ratio |",
        "|---|---|---|---|---|",
        f"| the layout alone (an empty page) | {results['stack_queries']} | {results['stack_ms']:.1f} ms | | |",
    ]
    for name, p in results["pages"].items():
        lines.append(
            f"| page {name} | {p['queries_small']} / {p['queries_full']} | {p['ms']:.1f} ms "
            f"| {p['floor_ms']:.1f} ms | {p['ratio']:.2f} |"
        )
    i, m, ld = results["import"], results["memo"], results["load"]
    lines.append(
        f"| import, {i['sites']} sites | {i['queries']} | {i['s']:.2f} s | {i['floor_s']:.2f} s | {i['ratio']:.2f} |"
    )
    lines.append(
        f"| memo request → ready, {m['pages']} pages | | {m['e2e_s']:.2f} s | {m['raw_s']:.2f} s | {m['ratio']:.2f} |"
    )
    lines.append(
        f"| memo worker RSS after {m['memos']} memos | | {m['worker_rss_mb']:.0f} MB "
        f"(renderer {m['worker_child_rss_mb']:.0f} MB) | | |"
    )
    if "rps" in ld:
        lines.append(
            f"| load, {ld['users']} users ({ld['think_ms']} ms think time), {ld['seconds']:.0f} s, "
            f"{ld['gunicorn_workers']} gunicorn workers "
            f"| | {ld['rps']:.1f} req/s, p50 {ld['p50_ms']:.0f} ms, p95 {ld['p95_ms']:.0f} ms "
            f"| | {ld['errors']} errors |"
        )
    else:
        lines.append(f"| load | | {ld.get('skipped', '')} | | |")
    return "\n".join(lines)

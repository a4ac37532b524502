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
from django.test import override_settings
from django.utils import timezone

from config.bench import dataset, imports, load, memo, pages
from config.bench.scales import SMALL, Scale, grown

Say = Callable[[str], None]

TARGETS = {
    "stack_queries": 3,
    "stack_ratio_to_bare": 2.0,
    "page_ratio_to_stack": 1.5,
    "memo_ratio": 1.25,
    "worker_rss_mb": 400,
    "import_s": 2.0,
    "import_queries": 20,
    "load_p95_ms": 300,
    "load_errors": 0,
    "saturation_ratio": 0.5,
    "large_ratio_to_full": 1.3,
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
    with scratch_database(say) as name, override_settings(ROOT_URLCONF=pages.URLCONF):
        results["database"] = {"vendor": connection.vendor, "name": name}
        small = _timed(say, "small dataset", lambda: dataset.build(SMALL, prefix="small"))
        full = _timed(say, f"{scale.name} dataset", lambda: dataset.build(scale, prefix="bench"))
        full.seconds["search_index"] = _timed(say, "search index", dataset.search_index)
        dataset.analyze()
        results["dataset"] = {"rows": full.rows, "seconds": {k: round(v, 1) for k, v in full.seconds.items()}}
        stack = pages.measure_stack(full.first, runs=scale.page_runs)
        results["stack"] = {
            "queries_small": pages.query_count(pages.STACK, small.first),
            "queries": pages.query_count(pages.STACK, full.first),
            **stack,
        }
        results["bare"] = {"ms": stack["bare_ms"], "queries": pages.query_count(pages.BARE, full.first)}
        say(f"the layout alone: {stack['ms']:.1f} ms, the bare view {stack['bare_ms']:.1f} ms")
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
        served = _timed(
            say,
            "load and saturation",
            lambda: load.measure(
                full.teams,
                users=scale.load_users,
                seconds=scale.load_seconds,
                max_connections=scale.saturation_max_connections,
                step_seconds=scale.saturation_seconds,
            ),
        )
        results["load"], results["saturation"] = served["load"], served["saturation"]
        if scale.growth > 1:
            results["large"] = _large(scale, page_results, say=say)
    results["targets"] = targets_met(results)
    results["finished_at"] = timezone.now().isoformat(timespec="seconds")
    return results


def _large(scale: Scale, page_results: dict[str, dict[str, Any]], *, say: Say) -> dict[str, Any]:
    """The page set again for a team of a portfolio ``scale.growth`` times as large, written beside the first; each
    page's figures go into its ``large`` entry."""
    size = grown(scale)
    large = _timed(say, f"large dataset ({size.assets} assets)", lambda: dataset.build(size, prefix="large"))
    dataset.analyze()
    for page in pages.PAGES:
        if not page.grows:
            continue
        figures = page_results[page.name]
        figures["large"] = {
            "queries": pages.query_count(page, large.first),
            **_timed(
                say,
                f"page {page.name}, large",
                partial(pages.measure_growth, page, large.first, full=figures, runs=scale.page_runs),
            ),
        }
    return {
        "sizes": size.as_dict(),
        "rows": large.rows,
        "seconds": {k: round(v, 1) for k, v in large.seconds.items()},
    }


def targets_met(results: dict[str, Any]) -> dict[str, bool]:
    met = {}
    stack = results["stack"]
    met[f"layout <= {TARGETS['stack_queries']} queries"] = stack["queries"] <= TARGETS["stack_queries"]
    met[f"layout <= {TARGETS['stack_ratio_to_bare']}x the bare view"] = (
        stack["ratio_to_bare"] <= TARGETS["stack_ratio_to_bare"]
    )
    limit = TARGETS["page_ratio_to_stack"]
    for name, page in results["pages"].items():
        met[f"page {name}: <= {limit}x (layout + floor)"] = page["ratio_to_stack"] <= limit
        met[f"page {name}: equal queries"] = page["queries_small"] == page["queries_full"]
        if "large" in page:
            large = page["large"]
            met[f"page {name}: equal queries at large"] = large["queries"] == page["queries_full"]
            met[f"page {name}: large <= {TARGETS['large_ratio_to_full']}x full"] = (
                large["ratio_to_full"] <= TARGETS["large_ratio_to_full"]
            )
    m, i, ld, sat = results["memo"], results["import"], results["load"], results["saturation"]
    met[f"memo ratio <= {TARGETS['memo_ratio']}"] = m["ratio"] <= TARGETS["memo_ratio"]
    met[f"worker RSS < {TARGETS['worker_rss_mb']} MB"] = m["worker_rss_mb"] < TARGETS["worker_rss_mb"]
    met[f"import < {TARGETS['import_s']} s"] = i["s"] < TARGETS["import_s"]
    met[f"import <= {TARGETS['import_queries']} queries"] = i["queries"] <= TARGETS["import_queries"]
    if "p95_ms" in ld:
        met[f"load p95 < {TARGETS['load_p95_ms']} ms"] = ld["p95_ms"] < TARGETS["load_p95_ms"]
        met["load: 0 errors"] = ld["errors"] == TARGETS["load_errors"]
    if "ratio" in sat:
        met[f"saturation >= {TARGETS['saturation_ratio']}x the bare view"] = sat["ratio"] >= TARGETS["saturation_ratio"]
    return met


def _verdict(text: str, met: bool) -> str:
    return f"{text}: {'met' if met else '**missed**'}"


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table with the targets (what the README's Performance section shows)."""
    large = "large" in results
    t = TARGETS
    head = "| Measure | Queries (small / full" + (" / large" if large else "") + ") | Time | Floor | Ratio "
    head += "| Ratio to layout + floor |" + (" Large (ratio to full) |" if large else "") + " Target |"
    lines = [head, "|---|---|---|---|---|---|---|" + ("---|" if large else "")]
    stack, bare = results["stack"], results["bare"]
    blank = " |" if large else ""
    stack_ok = stack["queries"] <= t["stack_queries"] and stack["ratio_to_bare"] <= t["stack_ratio_to_bare"]
    lines.append(
        f"| the layout alone | {stack['queries_small']} / {stack['queries']} | {stack['ms']:.1f} ms "
        f"| {stack['bare_ms']:.1f} ms (bare view, {bare['queries']} queries) | {stack['ratio_to_bare']:.2f} | |{blank}"
        f" {_verdict(f'≤ {t["stack_queries"]} queries, ≤ {t["stack_ratio_to_bare"]} × bare', stack_ok)} |"
    )
    for name, p in results["pages"].items():
        grown = "large" in p  # a page measured at full scale only has no large figures
        queries = f"{p['queries_small']} / {p['queries_full']}" + (f" / {p['large']['queries']}" if grown else "")
        row = (
            f"| page {name} | {queries} | {p['ms']:.1f} ms (database {p['db_ms']:.1f}) | {p['floor_ms']:.1f} ms "
            f"| {p['ratio']:.2f} "
            f"| {p['ratio_to_stack']:.2f} |"
        )
        ok = p["ratio_to_stack"] <= t["page_ratio_to_stack"] and p["queries_small"] == p["queries_full"]
        target = f"≤ {t['page_ratio_to_stack']} × layout + floor"
        if large and not grown:
            lines.append(f"{row} full scale only | {_verdict(target, ok)} |")
        elif large:
            row += f" {p['large']['ms']:.1f} ms ({p['large']['ratio_to_full']:.2f}) |"
            ok_large = (
                p["large"]["ratio_to_full"] <= t["large_ratio_to_full"] and p["large"]["queries"] == p["queries_full"]
            )
            target = f"{_verdict(target, ok)}; large ≤ {t['large_ratio_to_full']} × full"
            lines.append(f"{row} {_verdict(target, ok_large)} |")
        else:
            lines.append(f"{row} {_verdict(target, ok)} |")
    i, m, ld, sat = results["import"], results["memo"], results["load"], results["saturation"]
    import_ok = i["queries"] <= t["import_queries"] and i["s"] < t["import_s"]
    import_target = f"≤ {t['import_queries']} queries, < {t['import_s']} s"
    lines.append(
        f"| import, {i['sites']} sites | {i['queries']} | {i['s']:.2f} s | {i['floor_s']:.2f} s "
        f"| {i['ratio']:.2f} | |{blank} {_verdict(import_target, import_ok)} |"
    )
    lines.append(
        f"| memo request → ready, {m['pages']} pages | | {m['e2e_s']:.2f} s | {m['raw_s']:.2f} s "
        f"| {m['ratio']:.2f} | |{blank} {_verdict(f'≤ {t["memo_ratio"]}', m['ratio'] <= t['memo_ratio'])} |"
    )
    lines.append(
        f"| memo worker RSS after {m['memos']} memos | | {m['worker_rss_mb']:.0f} MB "
        f"(renderer {m['worker_child_rss_mb']:.0f} MB) | | | |{blank} "
        f"{_verdict(f'< {t["worker_rss_mb"]} MB', m['worker_rss_mb'] < t['worker_rss_mb'])} |"
    )
    if "rps" in ld:
        load_ok = ld["p95_ms"] < t["load_p95_ms"] and ld["errors"] == t["load_errors"]
        lines.append(
            f"| load, {ld['users']} users ({ld['think_ms']} ms think time), {ld['seconds']:.0f} s, "
            f"{ld['gunicorn_workers']} gunicorn workers "
            f"| | {ld['rps']:.1f} req/s, p50 {ld['p50_ms']:.0f} ms, p95 {ld['p95_ms']:.0f} ms "
            f"| | {ld['errors']} errors | |{blank} {_verdict(f'p95 < {t["load_p95_ms"]} ms, 0 errors', load_ok)} |"
        )
        lines.append(
            f"| saturation, no think time, p95 ≤ {sat['p95_limit_ms']} ms | | {sat['rps']:.1f} req/s "
            f"({sat['connections']} connections, p95 {sat['p95_ms']} ms) | {sat['bare_rps']:.1f} req/s (bare view); "
            f"the layout alone {sat['stack_rps']:.1f} req/s ({sat['stack_ratio']:.2f} × bare) "
            f"| {sat['ratio']:.2f} | |{blank} "
            f"{_verdict(f'≥ {t["saturation_ratio"]} × bare', sat['ratio'] >= t['saturation_ratio'])} |"
        )
    else:
        lines.append(f"| load | | {ld.get('skipped', '')} | | | |{blank} |")
    return "\n".join(lines)

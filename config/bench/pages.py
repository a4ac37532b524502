"""Pages timed in-process through the whole Django stack (middleware, session, access policy, templates), each
beside its floor: the same rows fetched with one raw SQL query and rendered through a bare template."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.template import Context, Engine
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from config.bench.dataset import TeamSubjects
from diligence.models import ReviewItem
from diligence.search.query import search_sql
from diligence.views.search import PER_KIND

WARM_UP = 3
BARE_ENGINE = Engine(autoescape=True)


@dataclass(frozen=True)
class Floor:
    sql: str
    template: str
    params: Callable[[TeamSubjects], list[int]]  # the subject's ids the query is for
    # For a page whose rows come from one query written per database (the search): the query and its parameters.
    statement: Callable[[TeamSubjects], tuple[str, list]] | None = None

    def query(self, subjects: TeamSubjects) -> tuple[str, list]:
        return self.statement(subjects) if self.statement else (self.sql, self.params(subjects))


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[TeamSubjects], str]
    floor: Floor | None = None  # None for the two pages the others stand on (the layout and the bare view)
    post: Callable[[TeamSubjects, int], dict[str, str]] | None = None  # form data of the n-th request
    grows: bool = True  # measured again on the large portfolio (BENCH_SCALE=large)


ROW_TABLE = "<table>{% for r in rows %}<tr>{% for v in r %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</table>"


def _item_post(subjects: TeamSubjects, n: int) -> dict[str, str]:
    """An inline status change on one item, alternating so every request writes; the current version, as the
    page would have sent it."""
    item = ReviewItem.objects.only("version").get(pk=subjects.item.pk)
    prefix = f"item-{item.pk}"
    status = ReviewItem.Status.IN_PROGRESS if n % 2 else ReviewItem.Status.DONE
    return {f"{prefix}-version": str(item.version), f"{prefix}-status": status, f"{prefix}-notes": f"run {n}"}


def search_query(subjects: TeamSubjects) -> str:
    """What the search page is asked: the code of the team's largest asset, found in its records of every kind."""
    return subjects.asset.code


PAGES = [
    Page(
        "asset_list",
        lambda s: reverse("assets:asset_list"),
        Floor(
            """SELECT a.code, a.name, t.name, a.modality, a.target, a.highest_phase_china, a.highest_phase_us,
                 (SELECT count(*) FROM assets_study s WHERE s.asset_id = a.id),
                 (SELECT count(*) FROM assets_study s WHERE s.asset_id = a.id AND s.sponsor_type LIKE 'iit%%'),
                 (SELECT count(*) FROM assets_studysite ss JOIN assets_study s ON s.id = ss.study_id
                   WHERE s.asset_id = a.id),
                 (SELECT count(*) FROM diligence_finding f WHERE f.asset_id = a.id AND f.severity = 'high'
                   AND f.status IN ('open', 'acknowledged', 'mitigated')),
                 a.updated_at
               FROM assets_asset a JOIN teams_dealteam t ON t.id = a.team_id
               WHERE a.team_id = %s ORDER BY a.code LIMIT 25""",
            ROW_TABLE,
            lambda s: [s.team.pk],
        ),
    ),
    Page(
        "asset_detail",
        lambda s: reverse("assets:asset_detail", args=[s.asset.pk]),
        Floor(
            """SELECT a.code, a.name, a.inn_name, a.modality, a.target, a.indications, a.highest_phase_china,
                      a.highest_phase_us, s.nct_id, s.title, s.sponsor_type, s.start_date, s.first_patient_dosed_on
               FROM assets_asset a LEFT JOIN assets_study s ON s.asset_id = a.id WHERE a.id = %s ORDER BY s.id""",
            ROW_TABLE,
            lambda s: [s.asset.pk],
        ),
    ),
    Page(
        "review",
        lambda s: reverse("diligence:review_detail", args=[s.review.pk]),
        Floor(
            """SELECT i.question, ti.text, i.status, u.username, i.due_on, i.notes,
                      (SELECT count(*) FROM diligence_evidence e WHERE e.item_id = i.id),
                      (SELECT count(*) FROM diligence_itemcomment c WHERE c.item_id = i.id)
               FROM diligence_reviewitem i JOIN diligence_templateitem ti ON ti.id = i.template_item_id
               LEFT JOIN teams_user u ON u.id = i.assignee_id
               WHERE i.review_id = %s AND i.archived_at IS NULL ORDER BY i."order", i.id""",
            ROW_TABLE,
            lambda s: [s.review.pk],
        ),
    ),
    Page(
        "dashboard",
        lambda s: reverse("diligence:team_home", args=[s.team.slug]),
        Floor(
            """SELECT a.code, a.name,
                      count(f.id) FILTER (WHERE f.severity = 'high'),
                      count(f.id) FILTER (WHERE f.severity = 'medium'),
                      count(f.id) FILTER (WHERE f.severity = 'info')
               FROM assets_asset a LEFT JOIN diligence_finding f
                 ON f.asset_id = a.id AND f.status IN ('open', 'acknowledged', 'mitigated')
               WHERE a.team_id = %s GROUP BY a.id ORDER BY a.code""",
            ROW_TABLE,
            lambda s: [s.team.pk],
        ),
    ),
    Page(
        "item_update",
        lambda s: reverse("diligence:review_item_edit", args=[s.item.pk]),
        Floor(
            """UPDATE diligence_reviewitem SET status = 'done', version = version + 1, updated_at = CURRENT_TIMESTAMP
               WHERE id = %s RETURNING key, question, status, due_on, notes, version""",
            ROW_TABLE,
            lambda s: [s.item.pk],
        ),
        post=_item_post,
    ),
    Page(
        "search",
        lambda s: reverse("diligence:search") + "?" + urlencode({"q": search_query(s)}),
        # The floor is the search's own single query (one per database: PostgreSQL's tsvector, SQLite's FTS5),
        # its rows rendered through a bare template: the page adds grouping, snippets and the layout.
        Floor(
            "",
            ROW_TABLE,
            lambda s: [],
            statement=lambda s: search_sql(query=search_query(s), team_ids=[s.team.pk], per_kind=PER_KIND),
        ),
        # Indexing ten times the portfolio takes longer than the rest of the benchmark: measured at full scale only.
        grows=False,
    ),
]


# The pages every other stands on, served by the benchmark's own URLconf (config.bench.urls): the layout alone around
# no content (what any page costs before its own rows), and a bare authenticated Django view (the session and the
# user), the floor of the layout.
STACK = Page("stack", lambda s: reverse("bench_layout"))
BARE = Page("bare", lambda s: reverse("bench_bare"))
URLCONF = "config.bench.urls"


def client_for(subjects: TeamSubjects) -> Client:
    client = Client()
    client.force_login(subjects.user)
    return client


def request(client: Client, page: Page, subjects: TeamSubjects, n: int) -> float:
    """One request through the full stack; seconds. Form data is prepared outside the timed part."""
    url = page.url(subjects)
    data = page.post(subjects, n) if page.post else None
    return _send(client, page, url, data)


def _send(client: Client, page: Page, url: str, data: dict[str, str] | None) -> float:
    started = time.perf_counter()
    response = client.get(url) if data is None else client.post(url, data, headers={"HX-Request": "true"})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{page.name}: {url} answered {response.status_code}")
    return elapsed


def query_count(page: Page, subjects: TeamSubjects) -> int:
    client = client_for(subjects)
    request(client, page, subjects, 0)  # the session and caches settle on the first request
    data = page.post(subjects, 1) if page.post else None
    with CaptureQueriesContext(connection) as captured:
        _send(client, page, page.url(subjects), data)
    return len(captured)


def floor_once(page: Page, subjects: TeamSubjects) -> float:
    if page.floor is None:
        raise ValueError(f"{page.name} has no raw floor")
    template = BARE_ENGINE.from_string(page.floor.template)
    sql, params = page.floor.query(subjects)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    template.render(Context({"rows": rows}))
    return time.perf_counter() - started


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def interleaved(steps: dict[str, Callable[[int], float]], *, runs: int) -> dict[str, float]:
    """Each step's median in milliseconds, the steps taking turns run by run (after the warm-up), so whatever else
    the machine is doing weighs on all of them alike and their ratios hold."""
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for n in range(WARM_UP + runs):
        for name, step in steps.items():
            seconds = step(n)
            if n >= WARM_UP:
                samples[name].append(seconds)
    return {name: median_ms(values) for name, values in samples.items()}


def measure_stack(subjects: TeamSubjects, *, runs: int) -> dict[str, float]:
    """The layout alone against the bare view, taking turns: their times and the ratio."""
    layout, bare = client_for(subjects), client_for(subjects)
    ms = interleaved(
        {
            "stack": lambda n: request(layout, STACK, subjects, n),
            "bare": lambda n: request(bare, BARE, subjects, n),
        },
        runs=runs,
    )
    return {"ms": ms["stack"], "bare_ms": ms["bare"], "ratio_to_bare": _ratio(ms["stack"], ms["bare"])}


class DatabaseTime:
    """The seconds a connection spends in the database (sending, waiting, reading), summed over the requests it wraps:
    a page's time less this is what Python spent on it."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def measure(page: Page, subjects: TeamSubjects, *, runs: int) -> dict[str, float | str]:
    """The page, its raw floor and the layout alone, taking turns: ``ratio`` is the page against its floor,
    ``ratio_to_stack`` against the layout plus that floor (what the page would cost with no overhead of its own),
    ``db_ms`` the median time the page's queries spent in the database."""
    client, layout = client_for(subjects), client_for(subjects)
    database: list[float] = []

    def timed_page(n: int) -> float:
        spent = DatabaseTime()
        with connection.execute_wrapper(spent):
            seconds = request(client, page, subjects, n)
        if n >= WARM_UP:
            database.append(spent.seconds)
        return seconds

    ms = interleaved(
        {
            "page": timed_page,
            "floor": lambda n: floor_once(page, subjects),
            "stack": lambda n: request(layout, STACK, subjects, n),
        },
        runs=runs,
    )
    return {
        "ms": ms["page"],
        "floor_ms": ms["floor"],
        "stack_ms": ms["stack"],
        "ratio": _ratio(ms["page"], ms["floor"]),
        "ratio_to_stack": _ratio(ms["page"], ms["stack"] + ms["floor"]),
        "db_ms": median_ms(database),
        "runs": runs,
        "measured_at": timezone.now().isoformat(timespec="seconds"),
    }


def measure_growth(page: Page, large: TeamSubjects, *, full: dict[str, float | str], runs: int) -> dict[str, float]:
    """The page for a team of the large portfolio (measured as ``measure`` does), against its time for a team of the
    full one (``full``, measured before the large portfolio was written)."""
    figures = measure(page, large, runs=runs)
    return {
        **{k: float(figures[k]) for k in ("ms", "floor_ms", "stack_ms", "ratio_to_stack")},
        "full_ms": float(full["ms"]),
        "ratio_to_full": _ratio(float(figures["ms"]), float(full["ms"])),
    }


def _ratio(value: float, floor: float) -> float:
    return round(value / floor, 2) if floor else 0.0

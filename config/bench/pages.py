"""Pages timed in-process through the whole Django stack (middleware, session, access policy, templates), each
beside its floor: the same rows fetched with one raw SQL query and rendered through a bare template."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.template import Context, Engine
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.bench.dataset import TeamSubjects
from diligence.models import ReviewItem

WARM_UP = 3
BARE = Engine(autoescape=True)


@dataclass(frozen=True)
class Floor:
    sql: str
    template: str
    params: Callable[[TeamSubjects], list[int]]  # the subject's ids the query is for


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[TeamSubjects], str]
    floor: Floor
    post: Callable[[TeamSubjects, int], dict[str, str]] | None = None  # form data of the n-th request


ROW_TABLE = "<table>{% for r in rows %}<tr>{% for v in r %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</table>"


def _item_post(subjects: TeamSubjects, n: int) -> dict[str, str]:
    """An inline status change on one item, alternating so every request writes; the current version, as the
    page would have sent it."""
    item = ReviewItem.objects.only("version").get(pk=subjects.item.pk)
    prefix = f"item-{item.pk}"
    status = ReviewItem.Status.IN_PROGRESS if n % 2 else ReviewItem.Status.DONE
    return {f"{prefix}-version": str(item.version), f"{prefix}-status": status, f"{prefix}-notes": f"run {n}"}


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
]


# The cheapest page there is: the layout around an empty list. What any page costs before its own rows.
STACK = Page("stack", lambda s: reverse("diligence:notification_list"), Floor("SELECT 1", ROW_TABLE, lambda s: []))


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
    template = BARE.from_string(page.floor.template)
    params = page.floor.params(subjects)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(page.floor.sql, params)
        rows = cursor.fetchall()
    template.render(Context({"rows": rows}))
    return time.perf_counter() - started


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def measure(page: Page, subjects: TeamSubjects, *, runs: int) -> dict[str, float | str]:
    client = client_for(subjects)
    for n in range(WARM_UP):
        request(client, page, subjects, n)
        floor_once(page, subjects)
    server = [request(client, page, subjects, WARM_UP + n) for n in range(runs)]
    floor = [floor_once(page, subjects) for _ in range(runs)]
    ms, floor_ms = median_ms(server), median_ms(floor)
    return {
        "ms": ms,
        "floor_ms": floor_ms,
        "ratio": round(ms / floor_ms, 2) if floor_ms else 0.0,
        "runs": runs,
        "measured_at": timezone.now().isoformat(timespec="seconds"),
    }

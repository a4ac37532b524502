"""The team dashboard: progress per question, open red flags, what is due, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Window,
)
from django.db.models.functions import RowNumber

from assets.models import Asset
from diligence.models import AssetStanding, QuestionKey, ReviewItem, Severity
from diligence.models.standing import COUNTED, Counts
from diligence.progress import FINISHED
from diligence.rules.verdict import ANSWERS, overall_light
from diligence.selectors.reviews import QuestionProgress
from teams.models import DealTeam

DUE_SOON_DAYS = 7
SHOWN = [f"standing__{name}" for name in COUNTED]  # what the dashboard reads of each asset's standing
LIST_LIMIT = 50
ASSET_ELSEWHERE = "(an asset of another team)"  # a due item whose review's asset is not the team's


@dataclass
class Dashboard:
    progress: list[QuestionProgress]
    findings_by_severity: list[tuple[str, str, int]]  # (severity, label, count)
    due_soon: list[DueItem]
    overdue: list[DueItem]
    assets: list[AssetAnswer]

    @property
    def open_findings(self) -> int:
        return sum(count for _severity, _label, count in self.findings_by_severity)


@dataclass
class AssetAnswer:
    """A row of the answers by asset: what it shows of the asset, read as plain values (a team's every asset)."""

    pk: int
    code: str
    name: str
    light: str
    answer: str
    findings_url: str = ""  # set by the view


@dataclass
class DueItem:
    """A row of the due lists: what they show of an item, read as plain values (up to a hundred rows, four tables)."""

    pk: int
    review_id: int
    due_on: dt.date
    status: str
    asset_code: str
    text: str
    assignee: str  # the name a person is shown by (``User.__str__``), empty when unassigned
    review_url: str = ""  # set by the view


def _items_due(
    team: DealTeam, today: dt.date, codes: dict[int, str]
) -> tuple[list[DueItem], list[DueItem], dict[str, int]]:
    """The first ``LIST_LIMIT`` unfinished items overdue, and the first due within ``DUE_SOON_DAYS``, by due date, and
    how many are overdue per question: one query over the same scan of the team's items, each list numbered by a
    window function, and the first overdue item of each question carrying its question's count. ``codes`` are the
    team's asset codes by id, read already: a join fewer to plan and run."""
    overdue = ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField())
    by_question: list[ExpressionWrapper | F] = [overdue, F("question")]
    rows = (
        ReviewItem.objects.filter(
            review__team=team, archived_at__isnull=True, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        )
        .exclude(status__in=FINISHED)
        .annotate(
            place=Window(RowNumber(), partition_by=[overdue], order_by=[F("due_on").asc(), F("pk").asc()]),
            question_place=Window(RowNumber(), partition_by=by_question, order_by=[F("pk").asc()]),
            question_count=Window(Count("pk"), partition_by=by_question),
        )
        .filter(Q(place__lte=LIST_LIMIT) | Q(question_place=1))
        .order_by("due_on", "pk")
        .values_list(
            "pk",
            "review_id",
            "due_on",
            "status",
            "review__asset_id",
            "template_item__text",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
            "question",
            "place",
            "question_place",
            "question_count",
        )
    )
    items: list[DueItem] = []
    overdue_by_question: dict[str, int] = {}
    for pk, review_id, due_on, status, asset_id, text, username, first, last, question, place, q_place, q_count in rows:
        if due_on is None:  # never: the filter on due_on leaves out items without one
            continue
        if q_place == 1 and due_on < today:
            overdue_by_question[question] = q_count
        if place <= LIST_LIMIT:
            shown = _shown_name(username, first, last)
            # A review's asset is of the review's team wherever reviews are made; were one not, its row says so
            # rather than showing a blank link or another team's code.
            code = codes.get(asset_id, ASSET_ELSEWHERE)
            items.append(DueItem(pk, review_id, due_on, status, code, text, shown))
    overdue_items = [i for i in items if i.due_on < today]
    return overdue_items, [i for i in items if i.due_on >= today], overdue_by_question


def _shown_name(username: str | None, first: str | None, last: str | None) -> str:
    """What ``User.__str__`` shows (the full name, else the login), from the columns; empty for no one."""
    if username is None:
        return ""
    return f"{first} {last}".strip() or username


def team_dashboard(*, team: DealTeam, today: dt.date) -> Dashboard:
    """Two queries: the team's assets with their kept standing (``AssetStanding``: each asset's light, the open
    findings by severity and the progress per question as their sums), and the due items with the overdue counts."""
    assets: list[AssetAnswer] = []
    severities = dict.fromkeys(Severity.values, 0)
    progress = {key: QuestionProgress(key, label) for key, label in QuestionKey.choices}
    unkept = AssetStanding().counts  # no row: no findings, no review
    rows = Asset.objects.filter(team=team).order_by("code").values_list("pk", "code", "name", *SHOWN)
    for pk, code, name, *values in rows:
        standing: Counts = dict(zip(COUNTED, values, strict=True)) if values[0] is not None else unkept
        # No review yet is one thing missing; otherwise each unfinished critical item is.
        missing = standing["not_established"] + (standing["critical_unfinished"] if standing["reviewed"] else 1)
        light = overall_light(red=standing["red"], missing=missing, amber=standing["amber"])
        assets.append(AssetAnswer(pk, code, name, light, ANSWERS[light]))
        for value in severities:
            severities[value] += standing[f"severity_{value}"]
        for key, (total, finished, blocked) in standing["progress"].items():
            question = progress.get(key)
            if question is not None:
                question.total += total
                question.finished += finished
                question.blocked += blocked
    overdue, due_soon, overdue_by_question = _items_due(team, today, {a.pk: a.code for a in assets})
    for key, count in overdue_by_question.items():
        if key in progress:
            progress[key].overdue = count
    return Dashboard(
        progress=list(progress.values()),
        findings_by_severity=[(value, label, severities[value]) for value, label in Severity.choices],
        due_soon=due_soon,
        overdue=overdue,
        assets=assets,
    )

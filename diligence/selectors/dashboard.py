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
from diligence.models import Finding, Review, ReviewItem, Severity
from diligence.models.checklists import Criticality
from diligence.rules.verdict import ANSWERS, light_conditions, overall_light
from diligence.selectors.reviews import FINISHED, QuestionProgress, progress_by_question
from teams.models import DealTeam

DUE_SOON_DAYS = 7
LIST_LIMIT = 50


@dataclass
class Dashboard:
    progress: list[QuestionProgress]
    findings_by_severity: list[tuple[str, str, int]]  # (severity, label, count)
    due_soon: list[DueItem]
    overdue: list[DueItem]
    assets: list[tuple[Asset, str, str]]  # (asset, light, answer)

    @property
    def open_findings(self) -> int:
        return sum(count for _severity, _label, count in self.findings_by_severity)


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


def _items_due(team: DealTeam, today: dt.date) -> tuple[list[DueItem], list[DueItem]]:
    """The first ``LIST_LIMIT`` unfinished items overdue, and the first due within ``DUE_SOON_DAYS``, by due date: one
    query, each list numbered by a window function over the same scan of the team's items."""
    overdue = ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField())
    rows = (
        ReviewItem.objects.filter(
            review__team=team, archived_at__isnull=True, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
        )
        .exclude(status__in=FINISHED)
        .annotate(place=Window(RowNumber(), partition_by=[overdue], order_by=[F("due_on").asc(), F("pk").asc()]))
        .filter(place__lte=LIST_LIMIT)
        .order_by("due_on", "pk")
        .values_list(
            "pk",
            "review_id",
            "due_on",
            "status",
            "review__asset__code",
            "template_item__text",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
    )
    items = [
        DueItem(pk, review_id, due_on, status, code, text, _shown_name(username, first, last))
        for pk, review_id, due_on, status, code, text, username, first, last in rows
        if due_on is not None  # always set: the filter on due_on leaves out items without one
    ]
    return [i for i in items if i.due_on < today], [i for i in items if i.due_on >= today]


def _shown_name(username: str | None, first: str | None, last: str | None) -> str:
    """What ``User.__str__`` shows (the full name, else the login), from the columns; empty for no one."""
    if username is None:
        return ""
    return f"{first} {last}".strip() or username


def _unfinished_critical_items(team: DealTeam) -> dict[int, int]:
    """Per asset of the team with a review, how many critical checklist items are not yet finished (zero included):
    they hold its answer at "not yet established", as ``checklist_gate`` does for one asset. An asset missing from
    the result has no review. One query over the team's reviews, apart from the findings' aggregate: as a correlated
    subquery there it would be grouped on and run once per finding row."""
    unfinished = Q(items__archived_at__isnull=True, items__template_item__criticality=Criticality.CRITICAL) & ~Q(
        items__status__in=FINISHED
    )
    rows = (
        Review.objects.filter(team=team)
        .order_by()
        .values("asset_id")
        .annotate(n=Count("items", filter=unfinished))
        .values_list("asset_id", "n")
    )
    return dict(rows)


def team_dashboard(*, team: DealTeam, today: dt.date) -> Dashboard:
    """Four queries: the findings counted per asset in one pass (each asset's light, and the team's open findings by
    severity as their sum), what holds each asset at "not yet established" on its checklist, the progress per
    question, and both lists of due items."""
    active = Q(findings__status__in=Finding.ACTIVE)
    lights = light_conditions("findings__")
    by_severity = {value: Count("findings", filter=active & Q(findings__severity=value)) for value in Severity.values}
    rows = (
        Asset.objects.filter(team=team)
        .only("code", "name")
        .annotate(
            red=Count("findings", filter=lights.red),
            unknown=Count("findings", filter=lights.not_established),
            amber=Count("findings", filter=lights.amber),
            **{f"severity_{value}": count for value, count in by_severity.items()},
        )
        .order_by("code")
    )
    gates_open = _unfinished_critical_items(team)
    assets: list[tuple[Asset, str, str]] = []
    counts = dict.fromkeys(Severity.values, 0)
    for asset in rows:
        # No review yet is one thing missing; otherwise each unfinished critical item is.
        missing = asset.unknown + gates_open.get(asset.pk, 1)
        light = overall_light(red=asset.red, missing=missing, amber=asset.amber)
        assets.append((asset, light, ANSWERS[light]))
        for value in counts:
            counts[value] += getattr(asset, f"severity_{value}")
    overdue, due_soon = _items_due(team, today)
    return Dashboard(
        progress=progress_by_question(ReviewItem.objects.filter(review__team=team), today=today),
        findings_by_severity=[(value, label, counts[value]) for value, label in Severity.choices],
        due_soon=due_soon,
        overdue=overdue,
        assets=assets,
    )

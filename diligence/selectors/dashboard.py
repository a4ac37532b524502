"""The team dashboard: progress per question, open red flags, what is due, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

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


def _unfinished_critical_items() -> Subquery:
    """Per asset (``OuterRef("pk")``), how many critical checklist items are not yet finished: they hold its answer
    at "not yet established", as ``checklist_gate`` does for one asset."""
    counts = (
        ReviewItem.objects.filter(
            review__asset=OuterRef("pk"), archived_at__isnull=True, template_item__criticality=Criticality.CRITICAL
        )
        .exclude(status__in=FINISHED)
        .order_by()
        .values("review__asset")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def team_dashboard(*, team: DealTeam, today: dt.date) -> Dashboard:
    """Three queries: the findings counted per asset in one pass (each asset's light, with what holds it at "not yet
    established", and the team's open findings by severity as their sum), the progress per question, and both lists
    of due items."""
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
            reviewed=Exists(Review.objects.filter(asset=OuterRef("pk"))),
            gates_open=Coalesce(_unfinished_critical_items(), Value(0)),
            **{f"severity_{value}": count for value, count in by_severity.items()},
        )
        .order_by("code")
    )
    assets: list[tuple[Asset, str, str]] = []
    counts = dict.fromkeys(Severity.values, 0)
    for asset in rows:
        missing = asset.unknown + asset.gates_open + (0 if asset.reviewed else 1)
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

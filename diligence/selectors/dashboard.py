"""The team dashboard: progress per question, open red flags, what is due, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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
from diligence.models import Finding, QuestionKey, Review, ReviewItem, Severity
from diligence.models.checklists import Criticality
from diligence.rules.verdict import ANSWERS, light_conditions, overall_light
from diligence.selectors.reviews import FINISHED, QuestionProgress, progress_counts
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


@dataclass
class ChecklistCounts:
    progress: list[QuestionProgress]  # per question, over the team's live items
    # Per asset of the team with a review, how many critical checklist items are not yet finished (zero included):
    # they hold its answer at "not yet established", as ``checklist_gate`` does for one asset. An asset missing here
    # has no review.
    critical_unfinished: dict[int, int]


def _checklist_counts(team: DealTeam, today: dt.date) -> ChecklistCounts:
    """The progress per question and the critical items unfinished per asset, counted in one pass over the team's
    reviews and their items (grouped by asset and question), apart from the findings' aggregate: as a correlated
    subquery there it would be grouped on and run once per finding row."""
    live = Q(items__archived_at__isnull=True)
    critical = Q(items__template_item__criticality=Criticality.CRITICAL) & ~Q(items__status__in=FINISHED)
    # Typed as plain mappings: the stubs see only the annotations named here, not those ``progress_counts`` adds.
    rows: Iterable[Mapping[str, Any]] = (
        Review.objects.filter(team=team)
        .order_by()
        .values("asset_id", "items__question")
        .annotate(**progress_counts(today=today, via="items"), critical=Count("items", filter=live & critical))
    )
    progress = {key: QuestionProgress(key, label) for key, label in QuestionKey.choices}
    critical_unfinished: dict[int, int] = {}
    for row in rows:
        asset_id = row["asset_id"]
        critical_unfinished[asset_id] = critical_unfinished.get(asset_id, 0) + row["critical"]
        question = progress.get(row["items__question"])  # None for a review without items
        if question is not None:
            question.total += row["total"]
            question.finished += row["finished"]
            question.blocked += row["blocked"]
            question.overdue += row["overdue"]
    return ChecklistCounts(list(progress.values()), critical_unfinished)


def team_dashboard(*, team: DealTeam, today: dt.date) -> Dashboard:
    """Three queries: the findings counted per asset in one pass (each asset's light, and the team's open findings by
    severity as their sum), the checklists counted in one pass (the progress per question, and what holds each asset
    at "not yet established"), and both lists of due items."""
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
    checklists = _checklist_counts(team, today)
    assets: list[tuple[Asset, str, str]] = []
    counts = dict.fromkeys(Severity.values, 0)
    for asset in rows:
        # No review yet is one thing missing; otherwise each unfinished critical item is.
        missing = asset.unknown + checklists.critical_unfinished.get(asset.pk, 1)
        light = overall_light(red=asset.red, missing=missing, amber=asset.amber)
        assets.append((asset, light, ANSWERS[light]))
        for value in counts:
            counts[value] += getattr(asset, f"severity_{value}")
    overdue, due_soon = _items_due(team, today)
    return Dashboard(
        progress=checklists.progress,
        findings_by_severity=[(value, label, counts[value]) for value, label in Severity.choices],
        due_soon=due_soon,
        overdue=overdue,
        assets=assets,
    )

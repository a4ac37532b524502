"""The team dashboard: progress per question, open red flags, what is due, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

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
    due_soon: list[ReviewItem]
    overdue: list[ReviewItem]
    assets: list[tuple[Asset, str, str]]  # (asset, light, answer)

    @property
    def open_findings(self) -> int:
        return sum(count for _severity, _label, count in self.findings_by_severity)


def _items_due(team: DealTeam, condition: Q) -> list[ReviewItem]:
    return list(
        ReviewItem.objects.filter(review__team=team, archived_at__isnull=True)
        .filter(condition)
        .exclude(status__in=FINISHED)
        .select_related("review__asset", "template_item", "assignee")
        # The columns the lists show, not every column of four tables.
        .only(
            "due_on",
            "status",
            "review__asset__code",
            "template_item__text",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
        )
        .order_by("due_on", "pk")[:LIST_LIMIT]
    )


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
    active = Finding.objects.filter(team=team, status__in=Finding.ACTIVE)
    counts = dict(active.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n"))
    # Each asset's light from two counts per asset in SQL, not from every finding of the team loaded into Python.
    lights = light_conditions("findings__")
    rows = (
        Asset.objects.filter(team=team)
        .only("code", "name")
        .annotate(
            red=Count("findings", filter=lights.red),
            unknown=Count("findings", filter=lights.not_established),
            amber=Count("findings", filter=lights.amber),
            reviewed=Exists(Review.objects.filter(asset=OuterRef("pk"))),
            gates_open=Coalesce(_unfinished_critical_items(), Value(0)),
        )
        .order_by("code")
    )
    assets: list[tuple[Asset, str, str]] = []
    for asset in rows:
        missing = asset.unknown + asset.gates_open + (0 if asset.reviewed else 1)
        light = overall_light(red=asset.red, missing=missing, amber=asset.amber)
        assets.append((asset, light, ANSWERS[light]))
    return Dashboard(
        progress=progress_by_question(ReviewItem.objects.filter(review__team=team), today=today),
        findings_by_severity=[(value, label, counts.get(value, 0)) for value, label in Severity.choices],
        due_soon=_items_due(team, Q(due_on__gte=today, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))),
        overdue=_items_due(team, Q(due_on__lt=today)),
        assets=assets,
    )

"""Reads for reviews, their items, evidence and findings: scoped by the access policy, fixed query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Q, QuerySet

from diligence.models import Evidence, Finding, QuestionKey, Review, ReviewItem, TemplateVersion
from diligence.models.findings import SEVERITY_ORDER
from diligence.selectors.requests import requests_of_item
from diligence.services.checklists import TemplateDiff, template_diff
from teams import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

    from teams.models import User

    AnyUser = User | AnonymousUser

FINISHED = (ReviewItem.Status.DONE, ReviewItem.Status.NOT_APPLICABLE)


def review_get_for_user_or_404(*, user: AnyUser, review_id: int) -> Review:
    reviews = Review.objects.select_related("asset", "team", "template", "template_version")
    return access.get_for_user_or_404(reviews, user=user, pk=review_id)


def review_item_get_for_user_or_404(*, user: AnyUser, item_id: int) -> ReviewItem:
    items = ReviewItem.objects.select_related("review", "review__asset", "template_item", "assignee")
    return access.get_for_user_or_404(items, user=user, team_field=ReviewItem.team_path, pk=item_id)


def evidence_get_for_user_or_404(*, user: AnyUser, evidence_id: int) -> Evidence:
    evidence = Evidence.objects.select_related("item", "item__review")
    return access.get_for_user_or_404(evidence, user=user, team_field=Evidence.team_path, pk=evidence_id)


def finding_get_for_user_or_404(*, user: AnyUser, finding_id: int) -> Finding:
    return access.get_for_user_or_404(Finding.objects.select_related("asset"), user=user, pk=finding_id)


class ItemCounts(TypedDict):
    evidence_count: int
    comment_count: int


def review_items(*, review: Review) -> QuerySet[WithAnnotations[ReviewItem, ItemCounts]]:
    """The review's live items with their evidence and comment counts (one query); the review page narrows them
    with ``diligence.filters.ReviewItemFilter``."""
    return (
        review.items.filter(archived_at__isnull=True)
        .select_related("template_item", "assignee")
        .annotate(evidence_count=Count("evidence", distinct=True), comment_count=Count("comments", distinct=True))
        .order_by("order", "pk")
    )


def review_item_detail(*, item: ReviewItem) -> dict[str, object]:
    return {
        "comments": item.comments.select_related("author"),
        "evidence": item.evidence.select_related("uploaded_by"),
        "item_requests": requests_of_item(item_id=item.pk),
    }


@dataclass
class QuestionProgress:
    key: str
    label: str
    total: int = 0
    finished: int = 0
    blocked: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


def progress_by_question(items: QuerySet[ReviewItem], *, today: dt.date) -> list[QuestionProgress]:
    """Items finished (done or not applicable), blocked and overdue per question, in one aggregate query."""
    rows = (
        items.filter(archived_at__isnull=True)
        .values("question")
        .annotate(
            total=Count("pk"),
            finished=Count("pk", filter=Q(status__in=FINISHED)),
            blocked=Count("pk", filter=Q(status=ReviewItem.Status.BLOCKED)),
            overdue=Count("pk", filter=Q(due_on__lt=today) & ~Q(status__in=FINISHED)),
        )
    )
    by_key: dict[str, Mapping[str, Any]] = {row["question"]: row for row in rows}
    return [
        QuestionProgress(key, label, **{k: v for k, v in by_key.get(key, {}).items() if k != "question"})
        for key, label in QuestionKey.choices
    ]


def upgrade_offer(*, review: Review) -> tuple[TemplateVersion, TemplateDiff] | None:
    """A newer published version of the review's template, and what changed, if there is one."""
    latest = review.template.latest_published()
    if latest is None or latest.number <= review.template_version.number:
        return None
    return latest, template_diff(old=review.template_version, new=latest)


def asset_findings(*, asset_id: int, include_resolved: bool = False) -> list[Finding]:
    findings = Finding.objects.filter(asset_id=asset_id).select_related("status_changed_by")
    if not include_resolved:
        findings = findings.exclude(status=Finding.Status.RESOLVED)
    questions = list(QuestionKey.values)
    return sorted(
        findings,
        key=lambda f: (questions.index(f.question), SEVERITY_ORDER.get(f.severity, 9), f.rule_id, f.subject),
    )

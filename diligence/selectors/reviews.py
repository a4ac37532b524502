"""Reads for reviews, their items, evidence and findings: scoped by the access policy, fixed query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, QuerySet

from diligence.models import Evidence, Finding, QuestionKey, Review, ReviewItem, TemplateVersion
from diligence.models.findings import SEVERITY_ORDER
from diligence.progress import FINISHED, critical_unfinished, progress_counts
from diligence.rules.verdict import ChecklistGate
from diligence.selectors.requests import requests_of_item
from diligence.services.checklists import TemplateDiff, template_diff
from teams import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

    from teams.models import User

    AnyUser = User | AnonymousUser


def review_get_for_user_or_404(*, user: AnyUser, review_id: int) -> Review:
    reviews = Review.objects.select_related("asset", "team", "template", "template_version")
    return access.get_for_user_or_404(reviews, user=user, pk=review_id)


def review_item_get_for_user_or_404(*, user: AnyUser, item_id: int, counts: bool = False) -> ReviewItem:
    """``counts``: with the evidence and comment counts its row shows, in the same query."""
    items = ReviewItem.objects.select_related("review", "review__asset", "template_item", "assignee")
    if counts:
        items = _with_counts(items)
    return access.get_for_user_or_404(items, user=user, team_field=ReviewItem.team_path, pk=item_id)


def evidence_get_for_user_or_404(*, user: AnyUser, evidence_id: int) -> Evidence:
    evidence = Evidence.objects.select_related("item", "item__review")
    return access.get_for_user_or_404(evidence, user=user, team_field=Evidence.team_path, pk=evidence_id)


def finding_get_for_user_or_404(*, user: AnyUser, finding_id: int) -> Finding:
    return access.get_for_user_or_404(Finding.objects.select_related("asset"), user=user, pk=finding_id)


class ItemCounts(TypedDict):
    evidence_count: int
    comment_count: int


# What an item's row shows (``diligence.templatetags.checklist_rows``) and the page counts: the review page reads
# only these (reading every column of the three models for its 300 rows cost about 8% of the page's time).
ROW_FIELDS = [
    *("question", "status", "na_reason", "due_on", "notes", "archived_at", "template_item", "assignee"),
    *(f"template_item__{name}" for name in ("text", "guidance", "criticality", "evidence_required", "rule_ids")),
    *(f"assignee__{name}" for name in ("username", "first_name", "last_name")),
]


def review_item_rows(*, review: Review) -> QuerySet[WithAnnotations[ReviewItem, ItemCounts]]:
    """``review_items`` reading only what the rows show (``ROW_FIELDS``): the review page's list."""
    return review_items(review=review).only(*ROW_FIELDS)


def review_items(*, review: Review) -> QuerySet[WithAnnotations[ReviewItem, ItemCounts]]:
    """The review's live items with their evidence and comment counts (one query): the CSV and XLSX exports, and
    an item's row with its new counts after evidence or a comment is added. The review page reads
    ``review_item_rows``."""
    return _with_counts(
        review.items.filter(archived_at__isnull=True)
        .select_related("template_item", "assignee")
        .order_by("order", "pk")
    )


def _with_counts(items: QuerySet[ReviewItem]) -> QuerySet[WithAnnotations[ReviewItem, ItemCounts]]:
    return items.annotate(
        evidence_count=Count("evidence", distinct=True), comment_count=Count("comments", distinct=True)
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
    rows = items.filter(archived_at__isnull=True).values("question").annotate(**progress_counts(today=today))
    by_key: dict[str, Mapping[str, Any]] = {row["question"]: row for row in rows}
    return [
        QuestionProgress(key, label, **{k: v for k, v in by_key.get(key, {}).items() if k != "question"})
        for key, label in QuestionKey.choices
    ]


def progress_of_items(items: Iterable[ReviewItem], *, today: dt.date) -> list[QuestionProgress]:
    """What ``progress_by_question`` counts, from live items already read: the review page's unfiltered list holds
    them all, and counting them here spares the page a query."""
    by_key = {key: QuestionProgress(key, label) for key, label in QuestionKey.choices}
    for item in items:
        if item.archived_at is not None or item.question not in by_key:
            continue
        progress = by_key[item.question]
        finished = item.status in FINISHED
        progress.total += 1
        progress.finished += finished
        progress.blocked += item.status == ReviewItem.Status.BLOCKED
        progress.overdue += item.due_on is not None and item.due_on < today and not finished
    return list(by_key.values())


def upgrade_offer(*, review: Review) -> tuple[TemplateVersion, TemplateDiff] | None:
    """A newer published version of the review's template, and what changed, if there is one."""
    latest = review.template.latest_published()
    if latest is None or latest.number <= review.template_version.number:
        return None
    return latest, template_diff(old=review.template_version, new=latest)


@dataclass(frozen=True)
class UpgradeEffect:
    """What an upgrade does to one item of the review and to the team's answer on it."""

    text: str
    change: str  # added, reworded, changed, removed
    what_changed: list[str]
    answer: str  # the team's answer as it stands ("" when the item was never touched)
    effect: str


# How an item's versions can differ, in the words the upgrade page uses.
ASPECTS = (
    ("question", lambda i: i.question.key),
    ("criticality", lambda i: i.criticality),
    ("evidence required", lambda i: i.evidence_required),
    ("related rules", lambda i: tuple(i.rule_ids)),
    ("wording", lambda i: i.text),
    ("guidance", lambda i: i.guidance),
)
EFFECTS = {
    "added": "New item: starts unanswered.",
    "reworded": "Answer kept: the wording changed, and the editor marked it wording-only.",
    "changed": "Archived with its answer, files and comments; the item starts again.",
    "removed": "Archived with its answer, files and comments; the item leaves the checklist.",
}


def _answer(item: ReviewItem | None) -> str:
    if item is None:
        return ""
    parts = [str(item.get_status_display())] if item.status != ReviewItem.Status.NOT_STARTED else []
    if item.assignee_id:
        parts.append(f"assigned to {item.assignee}")
    if item.notes:
        parts.append(f"notes: {item.notes[:80]}{'…' if len(item.notes) > 80 else ''}")
    return " · ".join(parts)


def upgrade_effects(*, review: Review, diff: TemplateDiff) -> list[UpgradeEffect]:
    """Per item the upgrade touches, what happens to the team's answer, before the team decides (unchanged items,
    whose answers simply carry over, are left out)."""
    live = {item.key: item for item in review.items.filter(archived_at__isnull=True).select_related("assignee")}
    effects = []
    for change, pairs in (("changed", diff.changed), ("reworded", diff.reworded)):
        for old, new in pairs:
            aspects = [name for name, value in ASPECTS if value(old) != value(new)]
            effects.append(UpgradeEffect(new.text, change, aspects, _answer(live.get(old.key)), EFFECTS[change]))
    effects += [
        UpgradeEffect(i.text, "removed", [], _answer(live.get(i.key)), EFFECTS["removed"]) for i in diff.removed
    ]
    effects += [UpgradeEffect(i.text, "added", [], "", EFFECTS["added"]) for i in diff.added]
    return effects


def asset_findings(*, asset_id: int, include_resolved: bool = False) -> list[Finding]:
    findings = Finding.objects.filter(asset_id=asset_id).select_related("status_changed_by")
    if not include_resolved:
        findings = findings.exclude(status=Finding.Status.RESOLVED)
    return sorted(findings, key=_finding_order)


def team_findings(*, team_id: int, include_resolved: bool = False) -> list[Finding]:
    """The team's findings asset by asset (by code), each asset's in the order of its findings tab (one query)."""
    findings = Finding.objects.filter(team_id=team_id).select_related("asset", "status_changed_by")
    if not include_resolved:
        findings = findings.exclude(status=Finding.Status.RESOLVED)
    return sorted(findings, key=lambda f: (f.asset.code, f.asset_id, *_finding_order(f)))


_QUESTIONS = list(QuestionKey.values)


def _finding_order(f: Finding) -> tuple[int, int, str, str]:
    """By question, then the most severe first, then by rule and subject."""
    return (_QUESTIONS.index(f.question), SEVERITY_ORDER.get(f.severity, 9), f.rule_id, f.subject)


def checklist_gate(*, asset_id: int) -> ChecklistGate:
    """The critical checklist items of the asset's review not yet done or not applicable, by question (two queries):
    a question is green only once these are finished."""
    if not Review.objects.filter(asset_id=asset_id).exists():
        return ChecklistGate(started=False)
    unfinished: dict[str, list[str]] = {}
    rows = (
        ReviewItem.objects.filter(critical_unfinished(), review__asset_id=asset_id)
        .order_by("order", "pk")
        .values_list("question", "template_item__text")
    )
    for question, text in rows:
        unfinished.setdefault(question, []).append(text)
    return ChecklistGate(started=True, unfinished=unfinished)

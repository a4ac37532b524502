"""Writes for checklist templates and reviews: publishing freezes a version; reviews pin one and can upgrade."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from assets.models import Asset
from assets.services import stale_merge
from diligence.checklist_defaults import TEMPLATE_SLUG, build_default_template
from diligence.models import (
    ChecklistTemplate,
    Evidence,
    EvidenceDownload,
    ItemComment,
    Review,
    ReviewItem,
    TemplateItem,
    TemplateQuestion,
    TemplateVersion,
)
from diligence.services import events
from diligence.services.standing import CHECKLIST, standings_deferred, standings_refresh
from diligence.uploads import check_upload
from teams import access

if TYPE_CHECKING:
    from teams.models import User


# --- templates ------------------------------------------------------------------------------------------------


@transaction.atomic
def default_template_ensure() -> TemplateVersion:
    """The default template's latest published version, created (and published) if this install lacks it."""
    template = ChecklistTemplate.objects.filter(slug=TEMPLATE_SLUG).first()
    if template is None:
        draft = build_default_template(ChecklistTemplate, TemplateVersion, TemplateQuestion, TemplateItem)
        return template_publish(version=draft, user=None)
    return template.latest_published() or template_publish(version=template.versions.get(status="draft"), user=None)


@transaction.atomic
def template_publish(*, version: TemplateVersion, user: User | None) -> TemplateVersion:
    """Freeze a draft: from now on it never changes; the next edit starts a new draft."""
    version = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationError(f"{version} is already published.")
    items = TemplateItem.objects.filter(version=version)
    if not items.exists():
        raise ValidationError("A version needs at least one item before it can be published.")
    keys = list(items.values_list("key", flat=True))
    if len(keys) != len(set(keys)):
        raise ValidationError("Item keys must be unique within a version.")
    latest = version.template.latest_published()
    if latest is not None and _same_as(version, latest):
        raise ValidationError(
            f"Nothing to publish: this draft is the same as published version {latest.number}. Change an item or a "
            "question first, or delete the draft."
        )
    version.status, version.published_at, version.published_by = "published", timezone.now(), user
    version.save()
    return version


@transaction.atomic
def template_new_draft(*, template: ChecklistTemplate, user: User | None) -> TemplateVersion:
    """The template's draft: the existing one, or a copy of the latest published version numbered one higher."""
    existing = template.versions.filter(status=TemplateVersion.Status.DRAFT).first()
    if existing is not None:
        return existing
    source = template.latest_published()
    number = (template.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft = TemplateVersion.objects.create(template=template, number=number)
    if source is not None:
        for question in source.questions.prefetch_related("items"):
            copy = TemplateQuestion.objects.create(
                version=draft,
                key=question.key,
                title=question.title,
                description=question.description,
                order=question.order,
            )
            for item in question.items.all():
                TemplateItem.objects.create(
                    question=copy,
                    key=item.key,
                    text=item.text,
                    guidance=item.guidance,
                    order=item.order,
                    evidence_required=item.evidence_required,
                    criticality=item.criticality,
                    rule_ids=item.rule_ids,
                )
    return draft


@dataclass
class TemplateDiff:
    added: list[TemplateItem] = field(default_factory=list)
    removed: list[TemplateItem] = field(default_factory=list)
    changed: list[tuple[TemplateItem, TemplateItem]] = field(default_factory=list)
    # Only the wording changed, and each version that changed it was marked wording-only: answers carry over.
    reworded: list[tuple[TemplateItem, TemplateItem]] = field(default_factory=list)
    unchanged: list[tuple[TemplateItem, TemplateItem]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reworded)

    @property
    def carried(self) -> list[tuple[TemplateItem, TemplateItem]]:
        """The items whose answers carry over."""
        return self.unchanged + self.reworded


def template_diff(*, old: TemplateVersion, new: TemplateVersion) -> TemplateDiff:
    """Items matched by key: added, removed, changed, reworded (wording only, so marked) or unchanged.

    Between versions more than one apart, an item counts as reworded only if every published version in between that
    changed its wording marked the change wording-only; a change of substance anywhere makes it changed.
    """
    steps = [old]
    if old.number < new.number:
        steps += list(
            TemplateVersion.objects.filter(
                template_id=new.template_id,
                status=TemplateVersion.Status.PUBLISHED,
                number__gt=old.number,
                number__lt=new.number,
            ).order_by("number")
        )
    steps.append(new)
    by_version: dict[int, dict[str, TemplateItem]] = {version.pk: {} for version in steps}
    for item in TemplateItem.objects.filter(version__in=[v.pk for v in steps]).select_related("question"):
        by_version[item.version_id][item.key] = item
    chain = [by_version[version.pk] for version in steps]
    before, after = chain[0], chain[-1]
    diff = TemplateDiff()
    for key, item in after.items():
        if key not in before:
            diff.added.append(item)
        elif before[key].content() == item.content():
            diff.unchanged.append((before[key], item))
        elif _only_reworded(key, chain):
            diff.reworded.append((before[key], item))
        else:
            diff.changed.append((before[key], item))
    diff.removed = [item for key, item in before.items() if key not in after]
    return diff


def _only_reworded(key: str, chain: list[dict[str, TemplateItem]]) -> bool:
    for earlier, later in itertools.pairwise(chain):
        if key not in earlier or key not in later:
            return False  # removed and added again on the way
        a, b = earlier[key], later[key]
        if a.substance() != b.substance() or (a.content() != b.content() and not b.wording_only):
            return False
    return True


def _same_as(version: TemplateVersion, published: TemplateVersion) -> bool:
    """Whether ``version`` says nothing ``published`` does not: the same questions and the same items."""
    if not template_diff(old=published, new=version).is_empty:
        return False

    def questions(v: TemplateVersion) -> list[tuple[object, ...]]:
        return list(v.questions.order_by("key").values_list("key", "title", "description"))

    return questions(version) == questions(published)


# --- reviews --------------------------------------------------------------------------------------------------


def _review_item(review: Review, template_item: TemplateItem) -> ReviewItem:
    return ReviewItem(
        review=review,
        template_item=template_item,
        key=template_item.key,
        question=template_item.question.key,
        order=template_item.question.order * 1000 + template_item.order,
    )


@transaction.atomic
def review_start(*, asset: Asset, user: User | None, template: ChecklistTemplate | None = None) -> Review:
    """The asset's review on the template's latest published version (the existing one if already started)."""
    version = template.latest_published() if template else default_template_ensure()
    if version is None:
        raise ValidationError(f"{template} has no published version yet.")
    existing = Review.objects.filter(asset=asset, template=version.template).first()
    if existing is not None:
        return existing
    with standings_deferred():
        review = Review.objects.create(
            team_id=asset.team_id, asset=asset, template=version.template, template_version=version, created_by=user
        )
        items = TemplateItem.objects.filter(version=version).select_related("question")
        # With their first history records: a stale edit is merged against the version it began from (stale_merge).
        bulk_create_with_history([_review_item(review, item) for item in items], ReviewItem, default_user=user)
        standings_refresh({asset.pk}, parts={CHECKLIST})  # written in bulk, the items sent no signal
    return review


@dataclass
class UpgradeResult:
    carried: int
    added: int
    archived: int


@transaction.atomic
def review_upgrade(*, review: Review, user: User | None) -> UpgradeResult:
    """Move a review to its template's latest published version. Answers on unchanged and reworded items carry
    over; items removed or changed are archived (never deleted) and changed ones start afresh."""
    with standings_deferred():  # the items are saved one by one: the asset is counted once, at the end
        return _upgrade(Review.objects.select_for_update().get(pk=review.pk), user)


def _upgrade(review: Review, user: User | None) -> UpgradeResult:
    latest = review.template.latest_published()
    if latest is None or latest.number <= review.template_version.number:
        raise ValidationError("This review already uses the latest published version.")
    diff = template_diff(old=review.template_version, new=latest)
    live = {item.key: item for item in review.items.filter(archived_at__isnull=True)}
    now = timezone.now()
    to_archive = [live[i.key] for i in diff.removed if i.key in live]
    to_archive += [live[old.key] for old, _new in diff.changed if old.key in live]
    for item in to_archive:
        item.archived_at = now
        item.save(update_fields=["archived_at", "updated_at"])
    for old, new in diff.carried:
        if old.key in live:
            item = live[old.key]
            item.template_item, item.order = new, new.question.order * 1000 + new.order
            item.save(update_fields=["template_item", "order", "updated_at"])
    fresh = [_review_item(review, new) for new in diff.added] + [
        _review_item(review, new) for _old, new in diff.changed
    ]
    bulk_create_with_history(fresh, ReviewItem, default_user=user)
    standings_refresh({review.asset_id}, parts={CHECKLIST})  # written in bulk, the fresh items sent no signal
    review.template_version, review.upgraded_at = latest, now
    review.save(update_fields=["template_version", "upgraded_at"])
    return UpgradeResult(carried=len(diff.carried), added=len(fresh), archived=len(to_archive))


ITEM_FIELDS = ("status", "assignee", "due_on", "notes", "na_reason")
ITEM_FIELDS_FIXED = frozenset(f.name for f in ReviewItem._meta.concrete_fields if f.name not in ITEM_FIELDS)


def _check_assignee(review: Review, assignee: User | None) -> None:
    if assignee is not None and not access.can_view(assignee, review.team_id):
        raise ValidationError({"assignee": "Assign the item to a member of the deal team."})


@transaction.atomic
def review_item_update(
    *, item: ReviewItem, user: User, changes: dict[str, object], expected_version: int | None
) -> ReviewItem:
    """Change an item's status, assignee, due date, notes; a stale version is refused so nobody overwrites."""
    # With what the item's row shows, so the caller can render the saved item without reading it again.
    current = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("review", "template_item", "assignee")
        .get(pk=item.pk)
    )
    if expected_version is not None and current.version != expected_version:
        # Saved by someone else since this edit began: only this user's own changes go on top of theirs.
        changes = stale_merge(current=current, expected_version=expected_version, submitted=changes)
    assignee_before = current.assignee_id
    if current.archived_at is not None:
        raise ValidationError("This item was archived by a template upgrade and can no longer change.")
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"not review item fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(current, name, value)
    if current.status != ReviewItem.Status.NOT_APPLICABLE:
        current.na_reason = current.na_reason if "na_reason" in changes else ""
    _check_assignee(current.review, current.assignee)
    # Only the editable fields can have changed, and the model's field choices and clean() are the check
    # constraints in Python: validating the rest would re-query the review, template item and unique key.
    current.full_clean(exclude=ITEM_FIELDS_FIXED, validate_constraints=False)
    current.version += 1
    current._history_user = user  # simple-history's documented hook for the actor
    # The fields named only: an edit that leaves the status alone leaves the asset's kept standing alone too.
    current.save(update_fields=[*changes, "na_reason", "version", "updated_at"])
    if current.assignee_id != assignee_before:
        events.item_assigned(item=current, actor=user)
    return current


@transaction.atomic
def review_items_bulk_update(
    *,
    review: Review,
    item_ids: list[int],
    user: User,
    assignee: User | None = None,
    due_on: dt.date | None = None,
    set_assignee: bool = False,
    set_due_on: bool = False,
) -> int:
    """Assign or date many items at once; only live items of this review are touched."""
    if not (set_assignee or set_due_on):
        raise ValidationError("Choose an assignee or a due date to apply.")
    if set_assignee:
        _check_assignee(review, assignee)
    items = list(
        ReviewItem.objects.select_for_update(of=("self",))
        .filter(review=review, pk__in=item_ids, archived_at__isnull=True)
        .select_related("review__asset", "template_item")
    )
    for item in items:
        changed_hands = set_assignee and item.assignee_id != (assignee.pk if assignee else None)
        if set_assignee:
            item.assignee = assignee
        if set_due_on:
            item.due_on = due_on
        item.version += 1
        item._history_user = user
        item.save(update_fields=["assignee", "due_on", "version", "updated_at"])  # nothing the standing counts
        if changed_hands:
            events.item_assigned(item=item, actor=user)
    return len(items)


@transaction.atomic
def item_comment_add(*, item: ReviewItem, user: User, body: str) -> ItemComment:
    if not body.strip():
        raise ValidationError({"body": "Write a comment first."})
    comment = ItemComment.objects.create(item=item, author=user, body=body.strip())
    events.comment_mentions(item=item, body=comment.body, actor=user)
    return comment


@transaction.atomic
def evidence_add(
    *, item: ReviewItem, user: User | None, upload: UploadedFile, document_date: dt.date | None = None
) -> Evidence:
    """Store an evidence file under a generated name outside the web root, after checking its real type; the date
    the document bears is kept apart from the upload's."""
    checked = check_upload(upload)
    evidence = Evidence(
        item=item,
        document_date=document_date,
        original_name=(upload.name or "")[:255],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    evidence.file.save("upload", upload, save=False)
    evidence.save()
    return evidence


@transaction.atomic
def evidence_download_record(*, evidence: Evidence, user: User) -> EvidenceDownload:
    return EvidenceDownload.objects.create(evidence=evidence, user=user)

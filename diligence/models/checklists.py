"""Checklist templates (versioned; published versions are frozen) and the reviews teams work through."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from diligence.models.files import StoredDocument

if TYPE_CHECKING:
    from teams.models import User


class QuestionKey(models.TextChoices):
    """The five diligence questions: rules and template questions both name one."""

    DATA_INTEGRITY = "data_integrity", "Data integrity"
    CONSENT_ETHICS = "consent_ethics", "Consent and ethics"
    HGR_EXPORT = "hgr_export", "HGR and data export"
    OWNERSHIP = "ownership", "Ownership"
    REGISTRATION = "registration", "Registration plan"


class Criticality(models.TextChoices):
    CRITICAL = "critical", "Critical"
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"


class FrozenWhenPublished(models.Model):
    """Parts of a published template version never change: saves and deletes are refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def owning_version(self) -> TemplateVersion:
        raise NotImplementedError

    def _refuse_if_frozen(self) -> None:
        version = self.owning_version()
        if (
            version.pk
            and TemplateVersion.objects.filter(pk=version.pk, status=TemplateVersion.Status.PUBLISHED).exists()
        ):
            raise ValidationError(f"Version {version.number} of {version.template} is published and cannot change.")


class ChecklistTemplate(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def latest_published(self) -> TemplateVersion | None:
        return self.versions.filter(status=TemplateVersion.Status.PUBLISHED).order_by("-number").first()


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    change_note = models.TextField(blank=True, help_text="What changed in this version, for the teams who upgrade.")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique_number"),
            models.UniqueConstraint(
                fields=["template"], condition=models.Q(status="draft"), name="template_version_one_draft"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="template_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number} ({self.get_status_display().lower()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            stored = TemplateVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.PUBLISHED:
                raise ValidationError(f"{self} is published and cannot change.")
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class TemplateQuestion(FrozenWhenPublished):
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=20, choices=QuestionKey.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="template_question_unique_key")]

    def __str__(self) -> str:
        return self.title

    def owning_version(self) -> TemplateVersion:
        return self.version


class TemplateItem(FrozenWhenPublished):
    """One thing a reviewer checks. ``key`` is stable across versions so answers carry over on upgrade."""

    question = models.ForeignKey(TemplateQuestion, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="items", editable=False)
    key = models.SlugField(
        max_length=80,
        blank=True,
        help_text="Stable identifier across versions, e.g. ethics-every-site; written from the text when left empty.",
    )
    text = models.TextField()
    guidance = models.TextField(blank=True, help_text="How to check it, for the reviewer.")
    evidence_required = models.BooleanField(default=False)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MAJOR)
    rule_ids = models.JSONField(default=list, blank=True, help_text="Ids of the finding rules this item relates to.")
    order = models.PositiveIntegerField(default=0)
    wording_only = models.BooleanField(
        "wording-only edit",
        default=False,
        help_text="This version only rewords the item (text or guidance; same question, criticality, evidence and "
        "rules): teams keep their answers when they upgrade. Each new draft starts unticked.",
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="template_item_unique_key")]

    def __str__(self) -> str:
        return self.text[:80]

    def save(self, *args: object, **kwargs: object) -> None:
        self.version_id = self.question.version_id
        if not self.key:
            self.key = self._key_from_text()
        super().save(*args, **kwargs)

    def _key_from_text(self) -> str:
        """A slug of the text's first words, numbered if the version already has it."""
        base = slugify(" ".join(self.text.split()[:8]))[:60].strip("-") or "item"
        taken = set(TemplateItem.objects.filter(version_id=self.version_id).values_list("key", flat=True))
        key, n = base, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        return key

    def owning_version(self) -> TemplateVersion:
        return self.question.version

    def substance(self) -> tuple[object, ...]:
        """What an answer rests on besides the wording: where the item sits, how much it matters, what it needs."""
        return (self.question.key, self.evidence_required, self.criticality, tuple(self.rule_ids))

    def content(self) -> tuple[object, ...]:
        """What makes two versions of an item "the same item, unchanged"."""
        return (*self.substance(), self.text, self.guidance)


class Review(models.Model):
    """One team's checklist for one asset, pinned to a template version."""

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="reviews")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="reviews")
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+")
    template_version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="reviews")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    upgraded_at = models.DateTimeField(null=True, blank=True)

    team_path = "team"

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["asset", "template"], name="review_one_per_asset_and_template")]

    def __str__(self) -> str:
        return f"{self.template} for {self.asset.code}"

    def get_absolute_url(self) -> str:
        return reverse("diligence:review_detail", kwargs={"review_id": self.pk})


class ReviewItem(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        NOT_APPLICABLE = "not_applicable", "Not applicable"
        BLOCKED = "blocked", "Blocked"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="items")
    template_item = models.ForeignKey(TemplateItem, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=80)
    question = models.CharField(max_length=20, choices=QuestionKey.choices)
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.NOT_STARTED)
    na_reason = models.CharField("reason it does not apply", max_length=300, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_items"
    )
    due_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Removed from the checklist by an upgrade.")
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    # simple-history's documented hook for naming who made the next save (it ships no types).
    _history_user: User | None
    team_path = "review__team"

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "key"],
                condition=models.Q(archived_at__isnull=True),
                name="review_item_unique_live_key",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["not_started", "in_progress", "done", "not_applicable", "blocked"]),
                name="review_item_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_applicable") | ~models.Q(na_reason=""),
                name="review_item_not_applicable_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["review", "question", "order"], name="review_item_by_question"),
            models.Index(fields=["assignee", "status", "due_on"], name="review_item_by_assignee"),
        ]

    def __str__(self) -> str:
        return self.template_item.text[:80] if self.template_item_id else self.key

    def clean(self) -> None:
        if self.status == self.Status.NOT_APPLICABLE and not self.na_reason.strip():
            raise ValidationError({"na_reason": "Say why the item does not apply."})


class ItemComment(models.Model):
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    team_path = "item__review__team"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.created_at:%Y-%m-%d}"


def evidence_path(instance: Evidence, filename: str) -> str:
    """A generated name: never the uploader's file name, which could carry paths or collide."""
    import uuid

    return f"evidence/{instance.item.review.team_id}/{uuid.uuid4().hex}"


class Evidence(StoredDocument):
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Where it came from when not uploaded by the team: an accepted answer to a request.
    source = models.CharField(max_length=300, blank=True)
    source_request = models.ForeignKey(
        "diligence.CounterpartyRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )

    team_path = "item__review__team"

    class Meta(StoredDocument.Meta):
        verbose_name_plural = "evidence"


class EvidenceDownload(models.Model):
    """Append-only record of who downloaded which evidence file and when."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.evidence} at {self.downloaded_at:%Y-%m-%d %H:%M}"

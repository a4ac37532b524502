"""Memos: PDF diligence memos rendered by workers, the partner review that signs them off, and notifications.

The Memo row is the truth about its render job: a task claims it with a conditional update (queued → rendering),
so a redelivered or duplicated task does nothing twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


def memo_path(instance: Memo, filename: str) -> str:
    """A generated name outside the web root; never anything a user typed."""
    return f"memos/{instance.team_id}/{uuid.uuid4().hex}.pdf"


class Memo(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Stage(models.TextChoices):
        WAITING = "waiting", "Waiting for a worker"
        COLLECTING = "collecting", "Collecting facts"
        RENDERING = "rendering", "Rendering"
        LAYING_OUT = "laying_out", "Laying out pages"
        STORING = "storing", "Storing"
        DONE = "done", "Done"

    STAGE_PROGRESS = {"waiting": 0, "collecting": 15, "rendering": 35, "laying_out": 60, "storing": 90, "done": 100}

    class ReviewState(models.TextChoices):
        DRAFT = "draft", "Not yet submitted"
        IN_REVIEW = "in_review", "Awaiting partner review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="memos")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="memos")
    review = models.ForeignKey(
        "diligence.Review", null=True, blank=True, on_delete=models.SET_NULL, related_name="memos"
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.WAITING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    # When its render was last handed to the broker: the sweeper re-sends a queued memo only once this is old.
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to=memo_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    render_seconds = models.FloatField(null=True, blank=True)
    template_version = models.ForeignKey(
        "diligence.TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField(null=True, blank=True, help_text="Everything the memo shows, frozen when rendered.")
    review_state = models.CharField(max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    team_path = "team"

    class Meta:
        ordering = ["asset", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "version"], name="memo_unique_version_per_asset"),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "rendering", "ready", "failed"]), name="memo_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="ready") | (~models.Q(sha256="") & models.Q(pages__isnull=False)),
                name="memo_ready_has_pdf",
            ),
            models.CheckConstraint(
                condition=~models.Q(review_state="approved") | models.Q(status="ready"),
                name="memo_only_ready_memos_are_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "started_at"], name="memo_status_started"),
            models.Index(fields=["team", "review_state"], name="memo_team_review_state"),
        ]

    def __str__(self) -> str:
        return f"Memo v{self.version} on {self.asset.code}"

    def get_absolute_url(self) -> str:
        return reverse("diligence:memo_detail", kwargs={"memo_id": self.pk})

    @property
    def progress(self) -> int:
        return self.STAGE_PROGRESS.get(self.stage, 0)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def is_locked(self) -> bool:
        """An approved memo is signed: it never changes."""
        return self.review_state == self.ReviewState.APPROVED


class MemoComment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVAL = "approval", "Approval"

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=40, blank=True, help_text="The memo section the comment is about.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    team_path = "memo__team"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} on {self.memo}"


class MemoDownload(models.Model):
    """Append-only: who downloaded which memo version, and when (the copy they got carries the same stamp)."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)
    stamp = models.CharField(max_length=200)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return self.stamp

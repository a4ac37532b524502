"""Imports run by a worker: the job row is the truth about its state, its progress and each file's result line."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from assets.models.common import choice_constraint


class ImportJobKind(models.TextChoices):
    REGISTRY = "registry", "Registry files"
    FETCH = "fetch", "ClinicalTrials.gov fetch"
    DOSSIER = "dossier", "Dossier"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    AWAITING = "awaiting", "Awaiting confirmation"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


# Jobs that preview what they would write and wait for a person to confirm it; a dossier job imports straight away.
PREVIEWED_KINDS = frozenset({ImportJobKind.REGISTRY, ImportJobKind.FETCH})


class ImportJob(models.Model):
    """Registry files, a ClinicalTrials.gov fetch or a dossier, imported file by file by a Celery worker.

    ``uploads`` names the files in the default storage (shared with the workers) until the job finishes;
    ``results`` gains one line per file in the same transaction as that file's writes, so a job resumed after its
    worker died starts at the first file with no line, and nothing is written that the lines do not list.

    A registry or fetch job is first run as a dry run: ``preview`` holds what it would write (per file and study),
    the findings it would raise or clear and its warnings, and the job waits (``awaiting``) until a member confirms
    it (queued again, now to import) or cancels it; a fetch job's record is stored with the uploads then, so the
    import writes what was previewed."""

    Kind = ImportJobKind
    Status = ImportJobStatus

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="import_jobs")
    asset = models.ForeignKey(
        "assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    kind = models.CharField(max_length=10, choices=ImportJobKind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED)
    nct_id = models.CharField("NCT id", max_length=20, blank=True)  # what a fetch job asks ClinicalTrials.gov for
    uploads = models.JSONField(default=list, blank=True)  # [{"name": shown name, "path": storage name, "size": bytes}]
    files_total = models.PositiveIntegerField(default=0)
    files_done = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)  # one line per file done, in order (see assets.imports)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True)  # the last claim or file done: the sweep's clock
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # claims: a worker holds the job by its attempt number
    interruptions = models.PositiveIntegerField(default=0)  # times the sweep found its worker gone
    worker = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    # What the dry run showed (assets.jobs.preview): its result lines, the findings it would move (grouped by rule),
    # the warnings, a summary and whether confirming would write anything.
    preview = models.JSONField(null=True, blank=True)
    previewed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(files_done__lte=models.F("files_total")), name="import_job_done_within_total"
            ),
            choice_constraint("kind", ImportJobKind, "import_job_kind_valid"),
            choice_constraint("status", ImportJobStatus, "import_job_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "progressed_at"], name="import_job_sweep")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def is_previewing(self) -> bool:
        """Still to be (or being) tried as a dry run: a kind that is previewed, not yet confirmed."""
        return self.kind in PREVIEWED_KINDS and self.confirmed_at is None and not self.is_finished

    @property
    def polls(self) -> bool:
        """Whether its page keeps asking: not once it has finished, nor while it waits for a person."""
        return not self.is_finished and self.status != self.Status.AWAITING

    @property
    def progress(self) -> int:
        """Percent of the files done."""
        return round(100 * self.files_done / self.files_total) if self.files_total else 0

    @property
    def refused(self) -> list[dict[str, Any]]:
        return [line for line in self.results if not line.get("ok")]

    @property
    def imported_count(self) -> int:
        """Files imported: those done less those refused."""
        return self.files_done - len(self.refused)


FINISHED = frozenset({ImportJobStatus.DONE, ImportJobStatus.FAILED, ImportJobStatus.CANCELLED, ImportJobStatus.EXPIRED})

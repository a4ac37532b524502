"""Registry records watched for changes: every version of a study's record the team has seen, the schedule a lead
sets per asset, and each watched study's check state (when it was last asked, what failed, when it is tried again)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from assets.models.common import choice_constraint
from assets.models.studies import RegistryFormat


class RecordOrigin(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    COMMAND = "command", "import_ctgov command"
    FETCH = "fetch", "Fetched from ClinicalTrials.gov"
    WATCH = "watch", "Watch of ClinicalTrials.gov"


class RecordVersionStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted into the facts"
    PENDING = "pending", "Waiting for a decision"
    KEPT = "kept", "Not accepted: the facts keep the earlier version"


class RegistryRecordVersion(models.Model):
    """One version of a study's registry record, as it was seen. An import is the team's acceptance of what it
    imports; a version the watch finds waits (``pending``) with what differs from the last accepted version
    (``changes``) and what accepting it would do to the findings (``effects``, from a dry run of its import)."""

    team_path = "team"

    Origin = RecordOrigin
    Status = RecordVersionStatus

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="+")
    study = models.ForeignKey("assets.Study", on_delete=models.CASCADE, related_name="registry_versions")
    registry_id = models.CharField(max_length=24)
    raw_format = models.CharField(max_length=12, choices=RegistryFormat.choices)
    raw_record = models.TextField()
    content_hash = models.CharField(max_length=64)  # sha256 of the record's canonical form: layout does not count
    origin = models.CharField(max_length=10, choices=RecordOrigin.choices)
    origin_detail = models.CharField(max_length=300, blank=True)  # the file name or the URL
    retrieved_at = models.DateTimeField()
    last_update_posted = models.CharField(max_length=10, blank=True)  # the registry's own date of its last change
    status = models.CharField(max_length=10, choices=RecordVersionStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    compared_with = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(default=list, blank=True)
    effects = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["study", "content_hash"], name="registry_version_once_per_content"),
            choice_constraint("origin", RecordOrigin, "registry_version_origin_valid"),
            choice_constraint("status", RecordVersionStatus, "registry_version_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.registry_id} version {self.pk} ({self.status})"

    @property
    def number(self) -> int:
        """The version's place among its study's (1 for the first seen): what people call it. Annotated by the
        study's page (``number_in_study``); asked of the database otherwise."""
        annotated = getattr(self, "number_in_study", None)
        if annotated is not None:
            return int(annotated)
        return RegistryRecordVersion.objects.filter(study_id=self.study_id, pk__lte=self.pk).count()


class WatchSchedule(models.TextChoices):
    OFF = "off", "Off"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class RegistryWatch(models.Model):
    """How often an asset's linked ClinicalTrials.gov records are checked; no row means daily."""

    Schedule = WatchSchedule

    asset = models.OneToOneField("assets.Asset", on_delete=models.CASCADE, related_name="registry_watch")
    schedule = models.CharField(max_length=10, choices=WatchSchedule.choices, default=WatchSchedule.DAILY)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [choice_constraint("schedule", WatchSchedule, "registry_watch_schedule_valid")]

    def __str__(self) -> str:
        return f"registry watch of asset {self.asset_id}: {self.schedule}"


class StudyWatch(models.Model):
    """A watched study's check state: the beat job claims it when ``next_check_at`` has passed; failures are kept
    with the next attempt so the page can say what went wrong and when it is tried again."""

    team_path = "team"

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="+")
    study = models.OneToOneField("assets.Study", on_delete=models.CASCADE, related_name="registry_watch_state")
    next_check_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=300, blank=True)
    last_update_posted = models.CharField(max_length=10, blank=True)  # as the registry said at the last check
    requests = models.PositiveIntegerField(default=0)  # requests made to the registry for this study, in all
    failures = models.PositiveIntegerField(default=0)  # in a row, since the last check that got an answer
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # the retry after a failure, while one is due

    class Meta:
        indexes = [models.Index(fields=["next_check_at"], name="study_watch_due")]

    def __str__(self) -> str:
        return f"watch of study {self.study_id}"

"""Findings: red flags the rules raise from the facts, stored with the facts and citation they rest on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from diligence.models.checklists import QuestionKey

if TYPE_CHECKING:
    from teams.models import User


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    INFO = "info", "Info"


SEVERITY_ORDER: dict[str, int] = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.INFO: 2}

# The convention for unknowns: a fact a rule needs but nobody has recorded raises an open item one step below the
# severity of the breach the rule looks for, so a gap is never silent and never reads as a proven breach.
UNKNOWN_SEVERITY: dict[str, str] = {
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.INFO,
    Severity.INFO: Severity.INFO,
}


class FindingKind(models.TextChoices):
    BREACH = "breach", "Finding"
    UNKNOWN = "unknown", "Open item: a fact is unknown"


class Finding(models.Model):
    """One rule's verdict on one subject (a site, a filing, the deal...). Recomputed when the facts change;
    a finding no longer raised is kept as resolved, so what changed can be told later."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        MITIGATED = "mitigated", "Mitigated"
        RESOLVED = "resolved", "Resolved (no longer raised)"

    Kind = FindingKind
    ACTIVE = (Status.OPEN, Status.ACKNOWLEDGED, Status.MITIGATED)

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="findings")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(max_length=60)
    subject = models.CharField(max_length=120, help_text="What the finding is about, e.g. site:12 or deal.")
    question = models.CharField(max_length=20, choices=QuestionKey.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.BREACH,
        help_text="A breach the facts show, or an open item: a fact the rule needs is not known.",
    )
    citation = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    message = models.TextField()
    remedy = models.TextField(blank=True, help_text="What it would take to clear it.")
    facts = models.JSONField(default=dict, help_text="The facts the finding cites, as they stood when raised.")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    first_raised_at = models.DateTimeField(auto_now_add=True)
    computed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    # simple-history's documented hook for naming who made the next save (it ships no types).
    _history_user: User | None
    team_path = "team"

    class Meta:
        ordering = ["question", "severity", "rule_id", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "rule_id", "subject"], name="finding_unique_rule_subject"),
            models.CheckConstraint(
                condition=models.Q(severity__in=["high", "medium", "info"]), name="finding_severity"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "acknowledged", "mitigated", "resolved"]), name="finding_status"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=["breach", "unknown"]), name="finding_kind"),
        ]
        indexes = [models.Index(fields=["team", "status", "severity"], name="finding_team_status")]

    def __str__(self) -> str:
        return f"[{self.citation}] {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_unknown(self) -> bool:
        return self.kind == FindingKind.UNKNOWN

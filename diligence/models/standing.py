"""Each asset's standing as the team dashboard counts it, kept on every write rather than counted on every view."""

from __future__ import annotations

from typing import Any

from django.db import models

from diligence.models.findings import Severity


class AssetStanding(models.Model):
    """What the dashboard shows of one asset: its active findings by light and by severity, and its checklist
    items live, finished, blocked and critical-but-unfinished per question. Rewritten from the asset's rows in the
    transaction that changes them (``diligence.services.standing``), so the dashboard reads a row per asset instead
    of counting a team's thousands of findings and items. Overdue items are not kept: they change with the date.

    An asset without a row has no findings and no review."""

    asset = models.OneToOneField("assets.Asset", primary_key=True, on_delete=models.CASCADE, related_name="standing")
    # Active findings by the light each gives (``rules.verdict.light_conditions``)...
    red = models.PositiveIntegerField(default=0)
    not_established = models.PositiveIntegerField(default=0)
    amber = models.PositiveIntegerField(default=0)
    # ... and by severity.
    severity_high = models.PositiveIntegerField(default=0)
    severity_medium = models.PositiveIntegerField(default=0)
    severity_info = models.PositiveIntegerField(default=0)
    reviewed = models.BooleanField(default=False)  # the asset has a review
    critical_unfinished = models.PositiveIntegerField(default=0)  # live critical items neither done nor n/a
    # Per question key, the live items: [total, finished, blocked].
    progress = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"standing of asset {self.asset_id}"

    @property
    def counts(self) -> Counts:
        """The kept values, as the refresh computes them (for comparing a row with a fresh count)."""
        return {name: getattr(self, name) for name in COUNTED}


Counts = dict[str, Any]  # a standing's kept values by field name: numbers, a flag and the progress
FINDING_COUNTS = ("red", "not_established", "amber", *(f"severity_{value}" for value in Severity.values))
CHECKLIST_COUNTS = ("reviewed", "critical_unfinished", "progress")
COUNTED = FINDING_COUNTS + CHECKLIST_COUNTS

"""Registrations of one trial in different registries, linked: a ChiCTR record and its ClinicalTrials.gov twin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from assets.models.common import choice_constraint
from assets.models.studies import Study


class RegistrationLinkBasis(models.TextChoices):
    SECONDARY_ID = "secondary_id", "One registration lists the other's id"
    SCORED = "scored", "Alike on title, sponsor, investigator and sites"


class RegistrationLinkStatus(models.TextChoices):
    LINKED = "linked", "Linked: one trial"
    CANDIDATE = "candidate", "Candidate: waiting for a member"
    REJECTED = "rejected", "Rejected: not the same trial"


class StudyRegistrationLink(models.Model):
    """Two studies of one team that register the same trial (or may: a scored candidate a member decides on).

    The pair is kept once, the lower study id first, so a link found from either side is the same row; a rejected
    pair stays, so it is never proposed again."""

    Basis = RegistrationLinkBasis
    Status = RegistrationLinkStatus

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="registration_links")
    first = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="links_as_first")
    second = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="links_as_second")
    basis = models.CharField(max_length=12, choices=Basis.choices)
    evidence = models.CharField(
        max_length=300, blank=True, help_text='Why: e.g. "JPRN-jRCT2080224769 lists NCT03759379 as a secondary id".'
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100, for a scored candidate.")
    score_parts = models.JSONField(
        default=dict, blank=True, help_text="The score of each part compared: title, sponsor, investigator, sites."
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["first_id", "second_id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="registration_link_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="registration_link_pair_ordered"
            ),
            choice_constraint("basis", RegistrationLinkBasis, "registration_link_basis_valid"),
            choice_constraint("status", RegistrationLinkStatus, "registration_link_status_valid"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100), name="registration_link_score_max"
            ),
        ]
        indexes = [models.Index(fields=["team", "status"], name="registration_link_team_status")]

    def __str__(self) -> str:
        return f"{self.first} ↔ {self.second} ({self.get_status_display()})"

    def other(self, study: Study) -> Study:
        return self.second if study.pk == self.first_id else self.first

"""The directory's names for each hospital (aliases) and the review queue of site strings it could not place."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from assets.directory.keys import name_keys
from assets.models.common import choice_constraint
from assets.models.hospitals import Hospital


class AliasKind(models.TextChoices):
    ENGLISH = "english", "English name"
    CHINESE = "chinese", "Chinese name"
    FORMER = "former", "Former name"
    ABBREVIATION = "abbreviation", "Abbreviation"
    SHORT = "short", "Common short form"
    UNIVERSITY_VARIANT = "university_variant", "Affiliated-university naming variant"


class HospitalAlias(models.Model):
    """Another name a hospital goes by; a site string whose key equals it is that hospital (in a compatible city)."""

    Kind = AliasKind

    hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="aliases")
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=600, editable=False, db_index=True)
    pinyin_key = models.CharField(max_length=1800, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "text"]
        verbose_name_plural = "hospital aliases"
        constraints = [
            models.UniqueConstraint(fields=["hospital", "key"], name="hospital_alias_unique_key"),
            choice_constraint("kind", AliasKind, "hospital_alias_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.text

    def save(self, *args: Any, **kwargs: Any) -> None:
        keys = name_keys(self.text)
        self.key, self.pinyin_key = keys.key, keys.pinyin
        super().save(*args, **kwargs)


class SiteMatchStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a curator"
    CONFIRMED = "confirmed", "Confirmed as an existing hospital"
    CREATED = "created", "Kept as a new hospital"


class SiteMatchReview(models.Model):
    """A registry's site string that looked like one or more directory hospitals without matching any with
    confidence. Its sites wait on ``holding``, a hospital created unreviewed from the string, until a curator
    confirms a candidate (the holding record merges into it) or keeps it as a new hospital."""

    Status = SiteMatchStatus

    site_text = models.CharField("site as the registry gives it", max_length=600)
    city = models.CharField(max_length=120, blank=True)
    registry_id = models.CharField("registry record", max_length=40, blank=True)
    # The database itself sets these null (and drops candidates, below) when a hospital goes, so a bulk removal of
    # hospitals in SQL, as the benchmark's clean-up does, is not blocked by the queue.
    holding = models.ForeignKey(
        Hospital, on_delete=models.DB_SET_NULL, null=True, blank=True, related_name="held_reviews"
    )
    candidates = models.ManyToManyField(Hospital, through="SiteMatchCandidate", related_name="candidate_reviews")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    resolved_hospital = models.ForeignKey(
        Hospital, on_delete=models.DB_SET_NULL, null=True, blank=True, related_name="resolved_reviews"
    )
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DB_SET_NULL, null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [choice_constraint("status", SiteMatchStatus, "site_match_review_status_valid")]

    def __str__(self) -> str:
        return self.site_text


class SiteMatchCandidate(models.Model):
    review = models.ForeignKey(SiteMatchReview, on_delete=models.DB_CASCADE, related_name="scored_candidates")
    hospital = models.ForeignKey(Hospital, on_delete=models.DB_CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "hospital"], name="site_match_candidate_unique"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="site_match_candidate_score_max"),
        ]

    def __str__(self) -> str:
        return f"{self.hospital_id} ({self.score})"

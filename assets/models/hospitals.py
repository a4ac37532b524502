"""Hospitals (a shared directory of public facts), a study's sites there, and each site's ethics approval."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from assets.models.common import (
    TriState,
    VersionedFact,
    check_date_order,
    choice_constraint,
    date_order_constraint,
    tri_state_field,
)
from assets.models.studies import Study, blank_or_choice_constraint

_NOISE = re.compile(r"[^\w]+", re.UNICODE)


def normalise_name(value: str) -> str:
    """The matching key for hospital names and cities: case, width, punctuation and 'the' do not matter."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    folded = re.sub(r"^the\s+", "", folded.strip())
    return _NOISE.sub(" ", folded).strip()


def key_problems(name_en: str, city: str) -> dict[str, str]:
    """Names whose matching key outgrows its column: normalisation can lengthen text (U+FDFA alone becomes 18
    characters), so a name that fits its own column may not fit as a key. By the field a person would fix."""
    problems = {}
    for field, value, key_field in (("name_en", name_en, "name_key"), ("city", city, "city_key")):
        limit = cast(models.CharField, Hospital._meta.get_field(key_field)).max_length or 0
        if len(key := normalise_name(value)) > limit:
            problems[field] = f"Once normalised for matching this is {len(key):,} characters long; at most {limit:,}."
    return problems


class HospitalGrade(models.TextChoices):
    GRADE_A_TERTIARY = "grade_a_tertiary", "Grade A tertiary (三级甲等)"
    TERTIARY_OTHER = "tertiary_other", "Other tertiary"
    SECONDARY = "secondary", "Secondary"
    UNKNOWN = "unknown", "Unknown"


class Hospital(VersionedFact):
    """A hospital in the shared directory. Public facts only; which teams use it is private to each team."""

    Grade = HospitalGrade

    name_en = models.CharField("English name", max_length=300)
    name_zh = models.CharField("Chinese name", max_length=200, blank=True)
    city = models.CharField(max_length=120, blank=True)
    province = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=80, default="China")
    grade = models.CharField(max_length=20, choices=Grade.choices, default=Grade.UNKNOWN)
    grade_verified = models.BooleanField(default=False)
    grade_verified_on = models.DateField(null=True, blank=True)
    grade_source = models.CharField(
        "source of the grade",
        max_length=300,
        blank=True,
        help_text="where the grade was read, e.g. the provincial health commission's list of graded hospitals",
    )
    grade_as_of = models.DateField("grade as of", null=True, blank=True, help_text="the date of that source")
    nmpa_record = tri_state_field("on NMPA's record of drug clinical trial institutions")
    nmpa_record_source = models.CharField(
        "source of the NMPA record status",
        max_length=300,
        blank=True,
        help_text="e.g. NMPA's filing platform for drug clinical trial institutions",
    )
    nmpa_record_as_of = models.DateField("NMPA record status as of", null=True, blank=True)
    # A registry import that could not place a site string confidently creates its hospital unreviewed; a curator
    # confirms it (the review queue) before anyone should take it as a canonical directory entry.
    reviewed = models.BooleanField("reviewed by a curator", default=True)
    name_key = models.CharField(max_length=300, editable=False, db_index=True)
    city_key = models.CharField(max_length=120, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.UniqueConstraint(fields=["name_key", "city_key"], name="hospital_unique_name_city"),
            choice_constraint("grade", HospitalGrade, "hospital_grade_valid"),
            choice_constraint("nmpa_record", TriState, "hospital_nmpa_record_valid"),
            models.CheckConstraint(
                condition=models.Q(grade_verified=False) | models.Q(grade_verified_on__isnull=False),
                name="hospital_verified_grade_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.city})" if self.city else self.name_en

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_key = normalise_name(self.name_en)
        self.city_key = normalise_name(self.city)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        problems = key_problems(self.name_en, self.city)
        if self.grade_verified and not self.grade_verified_on:
            problems["grade_verified_on"] = "Say when the grade was verified."
        if problems:
            raise ValidationError(problems)

    @property
    def is_verified_grade_a_tertiary(self) -> bool:
        return self.grade == self.Grade.GRADE_A_TERTIARY and self.grade_verified


class StudySiteRole(models.TextChoices):
    LEAD = "lead", "Lead site"
    PARTICIPATING = "participating", "Participating"


class StudySite(VersionedFact):
    """A study's site at a hospital."""

    team_path = "study__team"
    asset_path = "study__asset"

    Role = StudySiteRole

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="sites")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="study_sites")
    role = models.CharField(max_length=15, choices=Role.choices, default=Role.PARTICIPATING)
    principal_investigator = models.CharField(max_length=200, blank=True)
    enrollment = models.PositiveIntegerField(null=True, blank=True)
    activation_date = models.DateField(null=True, blank=True)
    first_enrolled_on = models.DateField("first patient enrolled", null=True, blank=True)
    # The team's own check of the hospital's grade: its fact, for its findings. The shared directory's grade and
    # "verified" flag are curated (staff); a team never changes them for everyone.
    verified_grade = models.CharField(
        "grade the team verified", max_length=20, choices=HospitalGrade.choices, blank=True
    )
    grade_verified_on = models.DateField("team verified the grade on", null=True, blank=True)
    grade_source = models.CharField(
        "source of the team's grade check",
        max_length=300,
        blank=True,
        help_text="e.g. the provincial health commission's list",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-role", "hospital__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["study", "hospital"], name="study_site_unique_hospital_per_study"),
            choice_constraint("role", StudySiteRole, "study_site_role_valid"),
            blank_or_choice_constraint("verified_grade", HospitalGrade, "study_site_verified_grade_valid"),
            models.CheckConstraint(
                condition=models.Q(verified_grade="", grade_verified_on__isnull=True)
                | (~models.Q(verified_grade="") & models.Q(grade_verified_on__isnull=False)),
                name="study_site_grade_check_dated",
            ),
            date_order_constraint("activation_date", "first_enrolled_on", "study_site_enrolment_after_activation"),
        ]

    def __str__(self) -> str:
        return f"{self.hospital} in {self.study}"

    @property
    def checked_grade(self) -> tuple[str, str | None]:
        """(the hospital's grade as this team's findings read it, who verified it: "team", "directory" or None).
        The team's own verification comes first; else the curated directory's, when it is verified."""
        if self.verified_grade and self.grade_verified_on:
            return self.verified_grade, "team"
        if self.hospital.grade_verified:
            return self.hospital.grade, "directory"
        return self.hospital.grade, None

    def clean(self) -> None:
        check_date_order(self, [("activation_date", "first_enrolled_on")])
        if bool(self.verified_grade) != bool(self.grade_verified_on):
            field = "grade_verified_on" if self.verified_grade else "verified_grade"
            raise ValidationError({field: "Give the grade the team verified and the day it did, or neither."})


class EthicsApproval(VersionedFact):
    """An ethics committee's approval for one study site, with what the consent form covers."""

    team_path = "study_site__study__team"
    asset_path = "study_site__study__asset"

    study_site = models.ForeignKey(StudySite, on_delete=models.CASCADE, related_name="ethics_approvals")
    committee = models.CharField(max_length=200)
    reference_number = models.CharField(max_length=100, blank=True)
    approval_date = models.DateField()
    protocol_version = models.CharField(max_length=60, blank=True)
    consent_commercial_use = tri_state_field("consent covers commercial use")
    consent_cross_border = tri_state_field("consent covers cross-border transfer")
    consent_future_research = tri_state_field("consent covers future research")
    consent_documented = tri_state_field("informed consent documented for every patient (signed forms on file)")

    history = HistoricalRecords()

    class Meta:
        ordering = ["approval_date", "pk"]
        constraints = [
            choice_constraint(field, TriState, f"ethics_{field}_valid")
            for field in (
                "consent_commercial_use",
                "consent_cross_border",
                "consent_future_research",
                "consent_documented",
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.reference_number}".strip()

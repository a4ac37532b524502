"""Studies (IITs and industry trials), their headline efficacy claims, and the quality of their evidence."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.text import Truncator
from simple_history.models import HistoricalRecords

from assets.models.assets import Asset, Company
from assets.models.common import (
    Phase,
    TriState,
    VersionedFact,
    check_date_order,
    choice_constraint,
    date_order_constraint,
    format_partial_date,
    precision_field,
    tri_state_field,
    truncate_to_precision,
)

NCT_ID = RegexValidator(r"^NCT\d{8}$", "A ClinicalTrials.gov id is NCT followed by 8 digits, e.g. NCT03090659.")
CHICTR_ID = RegexValidator(
    r"^ChiCTR(-[A-Z]{2,6}-)?\d{8,10}$",
    "A ChiCTR id looks like ChiCTR2000029308 or ChiCTR-OPC-17013061.",
)
CTR_ID = RegexValidator(r"^CTR\d{8}$", "A China drug-trial registry id is CTR followed by 8 digits, e.g. CTR20181234.")
# Another registry of the WHO network, as ICTRP spells its ids: JPRN-jRCT2080224769, EUCTR2014-003865-11-NL.
OTHER_REGISTRY_ID = RegexValidator(
    r"^(?=.*\d)[A-Za-z][A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*$",
    "Another registry's id as WHO ICTRP gives it, e.g. JPRN-jRCT2080224769 or EUCTR2014-003865-11-NL.",
)


class StudyStatus(models.TextChoices):
    NOT_YET_RECRUITING = "not_yet_recruiting", "Not yet recruiting"
    RECRUITING = "recruiting", "Recruiting"
    ENROLLING_BY_INVITATION = "enrolling_by_invitation", "Enrolling by invitation"
    ACTIVE_NOT_RECRUITING = "active_not_recruiting", "Active, not recruiting"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNKNOWN = "unknown", "Unknown"


class StudySponsorType(models.TextChoices):
    IIT = "iit", "Investigator-initiated"
    IIT_COMPANY_FUNDED = "iit_company_funded", "Investigator-initiated, company-funded"
    INDUSTRY = "industry", "Industry-sponsored"
    COOPERATIVE = "cooperative", "Cooperative group / government"
    UNKNOWN = "unknown", "Unknown"


class StudyInitiator(models.TextChoices):
    """Who initiated the study: under Order 818 companies may initiate new biomedical technology studies, foreign
    ones only through a registered China subsidiary or joint venture."""

    MEDICAL_INSTITUTION = "institution", "A medical institution or its investigator"
    CHINESE_COMPANY = "chinese_company", "A Chinese company"
    FOREIGN_VIA_CHINA_ENTITY = (
        "foreign_china_entity",
        "A foreign company, through its China subsidiary or joint venture",
    )
    FOREIGN_DIRECT = "foreign_direct", "A foreign company, directly"


class StudyTrack(models.TextChoices):
    """The Chinese regulatory track a study runs on. Recorded by the team where it knows it; left blank, the findings
    derive it from the sponsor type and the asset's NMPA INDs, and say so."""

    NHC = "nhc", "NHC track (investigator-initiated, hospital-sponsored)"
    NMPA = "nmpa", "NMPA track (registration trial under an IND)"


class StudySource(models.TextChoices):
    ENTERED = "entered", "Entered by hand"
    IMPORTED = "imported", "Imported"


class StudyDateType(models.TextChoices):
    """Whether a registry date has happened or is still a plan; blank when the registry does not say."""

    ACTUAL = "actual", "Actual"
    ESTIMATED = "estimated", "Estimated"


class RegistryFormat(models.TextChoices):
    CTGOV_JSON = "ctgov_json", "ClinicalTrials.gov API v2 (JSON)"
    CTGOV_XML = "ctgov_xml", "ClinicalTrials.gov legacy XML"
    ICTRP_XML = "ictrp_xml", "WHO ICTRP XML"


def date_type_field(verbose_name: str) -> models.CharField:
    return models.CharField(verbose_name, max_length=10, choices=StudyDateType.choices, blank=True)


def blank_or_choice_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": [*choices.values, ""]}), name=name)


class Study(VersionedFact):
    """A clinical study: in China typically an IIT (NHC track) or a registration trial (NMPA track)."""

    team_path = "team"
    asset_path = "asset"

    Status = StudyStatus

    SponsorType = StudySponsorType

    Initiator = StudyInitiator

    Track = StudyTrack

    INVESTIGATOR_INITIATED = frozenset({SponsorType.IIT, SponsorType.IIT_COMPANY_FUNDED})

    Source = StudySource

    DateType = StudyDateType

    RawFormat = RegistryFormat

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="studies")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="studies")
    nct_id = models.CharField("NCT id", max_length=11, blank=True, validators=[NCT_ID])
    chictr_id = models.CharField("ChiCTR id", max_length=24, blank=True, validators=[CHICTR_ID])
    ctr_id = models.CharField("CTR id", max_length=11, blank=True, validators=[CTR_ID])
    other_registry_id = models.CharField(
        "other registry id",
        max_length=40,
        blank=True,
        validators=[OTHER_REGISTRY_ID],
        help_text="The trial's id in another registry of the WHO network, e.g. JPRN-jRCT2080224769.",
    )
    acronym = models.CharField(max_length=60, blank=True, help_text="e.g. LEGEND-2")
    title = models.CharField(max_length=500)
    phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.UNKNOWN)
    sponsor_type = models.CharField(max_length=20, choices=SponsorType.choices, default=SponsorType.UNKNOWN)
    sponsor_type_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why it was classified so, e.g. 'lead sponsor is a hospital (class OTHER)'.",
    )
    sponsor_name = models.CharField(max_length=200, blank=True)
    initiator = models.CharField(
        max_length=20,
        choices=StudyInitiator.choices,
        blank=True,
        help_text="Who initiated the study (Order 818). Blank: not recorded; an IIT is taken as the institution's.",
    )
    track = models.CharField(
        max_length=4,
        choices=StudyTrack.choices,
        blank=True,
        help_text="Recorded where known. Blank: derived from the sponsor type and the asset's NMPA INDs.",
    )
    track_reason = models.CharField(
        "why this track",
        max_length=300,
        blank=True,
        help_text="The record it rests on, e.g. 'NMPA IND CXSL2000123 approval letter' or 'hospital ethics filing'.",
    )
    funding_company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    start_date = models.DateField(null=True, blank=True)
    start_date_precision = precision_field()
    first_patient_dosed_on = models.DateField("first patient dosed", null=True, blank=True)
    first_patient_dosed_precision = precision_field()
    completion_date = models.DateField(null=True, blank=True)
    completion_date_precision = precision_field()
    planned_enrollment = models.PositiveIntegerField(null=True, blank=True)
    actual_enrollment = models.PositiveIntegerField(null=True, blank=True)
    countries = models.JSONField(default=list, blank=True, help_text="Countries with sites, e.g. China, United States.")
    data_cutoff_on = models.DateField("data cut-off", null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ENTERED)
    provenance = models.CharField(max_length=300, blank=True, help_text="Where the facts come from.")
    # What a registry record adds (assets.registry). Lists are kept as the registry gives them, for the memo and
    # for the findings; the raw record stays beside them so any mapping can be checked against its source.
    official_title = models.CharField(max_length=1000, blank=True)
    secondary_ids = models.JSONField(default=list, blank=True, help_text="Other registry and sponsor ids.")
    phase_as_registered = models.CharField(
        max_length=100, blank=True, help_text="The phase exactly as the registry gives it, e.g. PHASE1, PHASE2."
    )
    sponsor_class = models.CharField(
        max_length=40,
        blank=True,
        help_text="The lead sponsor's class as the registry gives it (OTHER, INDIV, INDUSTRY, NIH, FED...).",
    )
    collaborators = models.JSONField(
        default=list, blank=True, help_text="Collaborators as the registry lists them, each with its class as given."
    )
    overall_officials = models.JSONField(
        default=list, blank=True, help_text="Principal investigators and other overall officials."
    )
    conditions = models.JSONField(default=list, blank=True)
    interventions = models.JSONField(default=list, blank=True, help_text="e.g. Biological: LCAR-B38M CAR-T cells")
    primary_outcomes = models.JSONField(
        default=list, blank=True, help_text="Primary outcome measures as registered, each with its time frame."
    )
    start_date_type = date_type_field("start date type")
    primary_completion_date = models.DateField(null=True, blank=True)
    primary_completion_date_precision = precision_field()
    primary_completion_date_type = date_type_field("primary completion date type")
    completion_date_type = date_type_field("completion date type")
    registry_flags = models.JSONField(
        default=list, blank=True, help_text="Values the import kept as given but could not map, e.g. a phase."
    )
    raw_record = models.TextField(blank=True, help_text="The registry record as imported, for provenance.")
    raw_format = models.CharField(max_length=12, choices=RegistryFormat.choices, blank=True)
    raw_source = models.CharField(max_length=300, blank=True, help_text="The file or URL the record came from.")
    retrieved_at = models.DateTimeField(null=True, blank=True, help_text="When the record was read from its source.")

    history = HistoricalRecords()

    DATE_ORDER = [("start_date", "completion_date"), ("start_date", "first_patient_dosed_on")]
    PRECISION_OF = {
        "start_date": "start_date_precision",
        "first_patient_dosed_on": "first_patient_dosed_precision",
        "completion_date": "completion_date_precision",
        "primary_completion_date": "primary_completion_date_precision",
    }

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name_plural = "studies"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "nct_id"],
                condition=~models.Q(nct_id=""),
                name="study_unique_nct_per_team",
                violation_error_message="The team already has a study with this NCT id.",
            ),
            models.UniqueConstraint(
                fields=["team", "chictr_id"],
                condition=~models.Q(chictr_id=""),
                name="study_unique_chictr_per_team",
                violation_error_message="The team already has a study with this ChiCTR id.",
            ),
            models.UniqueConstraint(
                fields=["team", "other_registry_id"],
                condition=~models.Q(other_registry_id=""),
                name="study_unique_other_registry_id_per_team",
                violation_error_message="The team already has a study with this registry id.",
            ),
            models.CheckConstraint(
                condition=models.Q(nct_id="") | models.Q(nct_id__regex=r"^NCT[0-9]{8}$"), name="study_nct_id_format"
            ),
            choice_constraint("sponsor_type", StudySponsorType, "study_sponsor_type_valid"),
            choice_constraint("status", StudyStatus, "study_status_valid"),
            date_order_constraint("start_date", "completion_date", "study_completion_after_start"),
            date_order_constraint("start_date", "first_patient_dosed_on", "study_first_dose_after_start"),
            blank_or_choice_constraint("start_date_type", StudyDateType, "study_start_date_type_valid"),
            blank_or_choice_constraint(
                "primary_completion_date_type", StudyDateType, "study_primary_completion_date_type_valid"
            ),
            blank_or_choice_constraint("completion_date_type", StudyDateType, "study_completion_date_type_valid"),
            blank_or_choice_constraint("raw_format", RegistryFormat, "study_raw_format_valid"),
            blank_or_choice_constraint("initiator", StudyInitiator, "study_initiator_valid"),
            blank_or_choice_constraint("track", StudyTrack, "study_track_valid"),
            models.CheckConstraint(
                condition=models.Q(track="") | ~models.Q(track_reason=""),
                name="study_recorded_track_has_reason",
                violation_error_message="Say what the recorded track rests on.",
            ),
        ]
        indexes = [models.Index(fields=["team", "sponsor_type"], name="study_team_sponsor_type")]

    def __str__(self) -> str:
        return self.registry_id or self.acronym or Truncator(self.title).chars(80)

    def get_absolute_url(self) -> str:
        if self.asset_id:
            return reverse("assets:asset_detail", kwargs={"asset_id": self.asset_id}) + "?tab=studies"
        return reverse("diligence:team_home", kwargs={"team_slug": self.team.slug})

    def clean(self) -> None:
        for field in self.PRECISION_OF:
            setattr(self, field, truncate_to_precision(getattr(self, field), getattr(self, self.PRECISION_OF[field])))
        check_date_order(self, self.DATE_ORDER)
        if self.track and not self.track_reason.strip():
            raise ValidationError({"track_reason": "Say what the recorded track rests on."})
        if self.asset is not None and self.team_id and self.asset.team_id != self.team_id:
            # A study must sit behind the same information barrier as its asset.
            raise ValidationError({"asset": "The asset belongs to another team."})

    @property
    def registry_id(self) -> str:
        return self.nct_id or self.chictr_id or self.ctr_id or self.other_registry_id

    @property
    def is_investigator_initiated(self) -> bool:
        return self.sponsor_type in self.INVESTIGATOR_INITIATED

    @property
    def start_display(self) -> str:
        return format_partial_date(self.start_date, self.start_date_precision)

    @property
    def first_patient_dosed_display(self) -> str:
        return format_partial_date(self.first_patient_dosed_on, self.first_patient_dosed_precision)

    @property
    def completion_display(self) -> str:
        return format_partial_date(self.completion_date, self.completion_date_precision)

    @property
    def primary_completion_display(self) -> str:
        return format_partial_date(self.primary_completion_date, self.primary_completion_date_precision)


class EfficacyClaim(VersionedFact):
    """A headline efficacy claim as reported (endpoint, value, n, median follow-up)."""

    team_path = "study__team"
    asset_path = "study__asset"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="efficacy_claims")
    endpoint = models.CharField(max_length=120, help_text="e.g. ORR, CR rate, median PFS")
    value = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=20, default="%", help_text="e.g. %, months")
    patients = models.PositiveIntegerField("n", validators=[MinValueValidator(1)])
    median_follow_up_months = models.DecimalField(
        "median follow-up (months)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    source_note = models.CharField(
        max_length=300, blank=True, help_text="Publication or data cut the claim comes from."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["endpoint", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(patients__gte=1), name="efficacy_claim_patients_positive"),
            models.CheckConstraint(
                condition=models.Q(median_follow_up_months__isnull=True) | models.Q(median_follow_up_months__gte=0),
                name="efficacy_claim_follow_up_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.value}{self.unit} (n={self.patients})"


class EvidenceQuality(VersionedFact):
    """Whether a study's data could stand before a regulator, and whether the licensor holds the rights to it."""

    team_path = "study__team"
    asset_path = "study__asset"

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="evidence")
    gcp_compliant = tri_state_field("conducted under GCP, with a compliance statement")
    gcp_note = models.CharField(max_length=300, blank=True)
    gcp_document = models.CharField(max_length=200, blank=True, help_text="The document this rests on.")
    independently_monitored = tri_state_field("independently monitored")
    monitoring_note = models.CharField(max_length=300, blank=True)
    monitoring_document = models.CharField(max_length=200, blank=True)
    source_records_accessible = tri_state_field("source records accessible for a regulator's onsite inspection")
    source_records_note = models.CharField(max_length=300, blank=True)
    source_records_document = models.CharField(max_length=200, blank=True)
    foreign_party_involved = tri_state_field("foreign party involved in the study or its samples / data")
    foreign_party = models.CharField("foreign party (who)", max_length=200, blank=True)
    foreign_party_document = models.CharField(max_length=200, blank=True)
    data_sent_abroad = tri_state_field("data sent abroad")
    data_sent_abroad_note = models.CharField(max_length=300, blank=True)
    data_sent_abroad_document = models.CharField(max_length=200, blank=True)
    samples_sent_abroad = tri_state_field("samples (human genetic material) sent abroad")
    # [HGR-2024] Defined cases need explicit government approval of foreign involvement; a filing does not do.
    hgr_defined_case = tri_state_field(
        "an HGR defined case (important genetic families, specific regions, or a large population study above the "
        "case threshold)"
    )
    institution_assignment = tri_state_field("assignment of data and IP rights from the institution executed")
    institution_assignment_on = models.DateField("institution assignment executed on", null=True, blank=True)
    investigator_assignment = tri_state_field("assignment of data and IP rights from the investigator executed")
    investigator_assignment_on = models.DateField("investigator assignment executed on", null=True, blank=True)
    rights_document = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "evidence quality and rights"
        verbose_name_plural = "evidence quality and rights"
        constraints = [
            choice_constraint(field, TriState, f"evidence_{field}_valid")
            for field in (
                "gcp_compliant",
                "independently_monitored",
                "source_records_accessible",
                "foreign_party_involved",
                "data_sent_abroad",
                "samples_sent_abroad",
                "hgr_defined_case",
                "institution_assignment",
                "investigator_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"Evidence for {self.study}"

    def clean(self) -> None:
        errors = {}
        if self.foreign_party_involved == TriState.YES and not self.foreign_party.strip():
            errors["foreign_party"] = "Name the foreign party."
        for flag, date_field in (
            ("institution_assignment", "institution_assignment_on"),
            ("investigator_assignment", "investigator_assignment_on"),
        ):
            if getattr(self, date_field) and getattr(self, flag) != TriState.YES:
                errors[flag] = "An execution date is given, so the assignment was executed: answer Yes."
        if errors:
            raise ValidationError(errors)

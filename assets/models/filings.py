"""Regulatory filings: HGR approvals and filings, NHC filings under Order 818, and IND applications."""

from __future__ import annotations

import datetime as dt

from django.db import models
from simple_history.models import HistoricalRecords

from assets.models.assets import Asset
from assets.models.common import VersionedFact, check_date_order, choice_constraint, date_order_constraint
from assets.models.studies import Study


class HGRFilingKind(models.TextChoices):
    COLLECTION_APPROVAL = "collection_approval", "Collection approval"
    INTL_COOPERATION_APPROVAL = "intl_cooperation_approval", "International cooperation approval"
    INTL_COOPERATION_FILING = "intl_cooperation_filing", "International cooperation filing"
    OUTBOUND_DATA_FILING = "outbound_data_filing", "Outbound provision of data filing"
    MATERIAL_EXPORT_APPROVAL = "material_export_approval", "Export of material approval"


class HGRFilingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    FILED = "filed", "Filed (record accepted)"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class HGRFiling(VersionedFact):
    """[HGR-2024] A Human Genetic Resources approval or filing for a study's samples or data."""

    team_path = "study__team"
    asset_path = "study__asset"

    Kind = HGRFilingKind

    INTERNATIONAL_COOPERATION = frozenset({Kind.INTL_COOPERATION_APPROVAL, Kind.INTL_COOPERATION_FILING})

    Status = HGRFilingStatus

    IN_FORCE = frozenset({Status.APPROVED, Status.FILED})

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="hgr_filings")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference_number = models.CharField(max_length=100, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField("decided / filed on", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    foreign_party = models.CharField("foreign party named", max_length=200, blank=True)
    covers_samples = models.BooleanField(default=False)
    covers_data = models.BooleanField(default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["submitted_on", "pk"]
        verbose_name = "HGR filing"
        constraints = [
            choice_constraint("kind", HGRFilingKind, "hgr_filing_kind_valid"),
            choice_constraint("status", HGRFilingStatus, "hgr_filing_status_valid"),
            date_order_constraint("submitted_on", "decided_on", "hgr_filing_decided_after_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference_number}".strip()

    def clean(self) -> None:
        check_date_order(self, [("submitted_on", "decided_on")])

    @property
    def in_force(self) -> bool:
        return self.status in self.IN_FORCE


class NHCFiling(VersionedFact):
    """[ORDER-818] The NHC filing of a new-biomedical-technology study, due 5 working days after its reviews."""

    team_path = "study__team"
    asset_path = "study__asset"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="nhc_filings")
    academic_review_on = models.DateField("academic review approved on", null=True, blank=True)
    ethics_approved_on = models.DateField("ethics approved on", null=True, blank=True)
    filed_on = models.DateField(null=True, blank=True)
    filing_number = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["filed_on", "pk"]
        verbose_name = "NHC filing"
        constraints = [
            date_order_constraint("academic_review_on", "filed_on", "nhc_filing_after_academic_review"),
            date_order_constraint("ethics_approved_on", "filed_on", "nhc_filing_after_ethics"),
        ]

    def __str__(self) -> str:
        return self.filing_number or f"NHC filing for {self.study}"

    def clean(self) -> None:
        check_date_order(self, [("academic_review_on", "filed_on"), ("ethics_approved_on", "filed_on")])

    @property
    def reviews_complete_on(self) -> dt.date | None:
        """The later of the academic and ethics approvals: the day the 5-working-day clock starts."""
        dates = [d for d in (self.academic_review_on, self.ethics_approved_on) if d]
        return max(dates) if len(dates) == 2 else None


class INDApplicationAuthority(models.TextChoices):
    NMPA = "nmpa", "NMPA (China)"
    FDA = "fda", "FDA (US)"
    OTHER = "other", "Other"


class INDApplicationPathway(models.TextChoices):
    STANDARD = "standard", "Standard IND review (not NMPA-86)"
    THIRTY_DAY = "thirty_working_day", "30-working-day review (NMPA-86)"


class INDApplication(VersionedFact):
    """An IND application for the asset, with the dates its review clocks run from."""

    team_path = "asset__team"
    asset_path = "asset"

    Authority = INDApplicationAuthority

    Pathway = INDApplicationPathway

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="ind_applications")
    authority = models.CharField(max_length=10, choices=Authority.choices)
    number = models.CharField(max_length=60, blank=True)
    pathway = models.CharField(max_length=20, choices=Pathway.choices, default=Pathway.STANDARD)
    review_extended = models.BooleanField(
        default=False, help_text="The 30-working-day review was extended to 60 for a complex case (NMPA-86)."
    )
    submitted_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    cleared_on = models.DateField(null=True, blank=True)
    first_dose_on = models.DateField("first subject dosed", null=True, blank=True)

    history = HistoricalRecords()

    DATE_ORDER = [
        ("submitted_on", "accepted_on"),
        ("submitted_on", "cleared_on"),
        ("accepted_on", "cleared_on"),
        ("cleared_on", "first_dose_on"),
    ]

    class Meta:
        ordering = ["submitted_on", "pk"]
        verbose_name = "IND application"
        constraints = [
            choice_constraint("authority", INDApplicationAuthority, "ind_authority_valid"),
            choice_constraint("pathway", INDApplicationPathway, "ind_pathway_valid"),
            date_order_constraint("submitted_on", "accepted_on", "ind_accepted_after_submitted"),
            date_order_constraint("submitted_on", "cleared_on", "ind_cleared_after_submitted"),
            date_order_constraint("accepted_on", "cleared_on", "ind_cleared_after_accepted"),
            date_order_constraint("cleared_on", "first_dose_on", "ind_first_dose_after_clearance"),
        ]

    def __str__(self) -> str:
        return f"{self.get_authority_display()} IND {self.number}".strip()

    def clean(self) -> None:
        check_date_order(self, self.DATE_ORDER)

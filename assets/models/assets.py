"""Companies and assets: what a deal team is looking at."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from assets.models.common import Phase, VersionedFact, choice_constraint


class CompanyKind(models.TextChoices):
    BIOTECH = "biotech", "Biotech"
    PHARMA = "pharma", "Pharma"
    HOSPITAL = "hospital", "Hospital / university"
    CRO = "cro", "CRO"
    INVESTOR = "investor", "Investor"


class Company(VersionedFact):
    """A company as one team records it (originator, funder, counterparty); team-owned: who a team meets is private."""

    team_path = "team"
    asset_path = None

    Kind = CompanyKind

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="companies")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=80, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BIOTECH)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                "team",
                Lower("name"),
                name="company_unique_name_per_team",
                violation_error_message="The team already has a company of this name.",
            ),
            choice_constraint("kind", CompanyKind, "company_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class AssetModality(models.TextChoices):
    SMALL_MOLECULE = "small_molecule", "Small molecule"
    ANTIBODY = "antibody", "Antibody"
    ADC = "adc", "ADC"
    BISPECIFIC = "bispecific", "Bispecific"
    CAR_T = "car_t", "CAR-T"
    TCR_T = "tcr_t", "TCR-T"
    GENE_THERAPY = "gene_therapy", "Gene therapy"
    GENE_EDITING = "gene_editing", "Gene editing"
    STEM_CELL = "stem_cell", "Stem cell"
    TISSUE_ENGINEERED = "tissue_engineered", "Tissue-engineered"
    OTHER = "other", "Other"


# Codes name files (dossier, exports, memos) and appear in URLs' query strings and headers: plain ASCII only, so
# nothing in a code can break a header line or a file name.
ASSET_CODE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "A code is letters, digits, '-', '.' and '_' (starting with a letter or digit), e.g. LCAR-B38M.",
)


class Asset(VersionedFact):
    """A drug asset a team is in- or out-licensing. Its code is unique within the team."""

    team_path = "team"
    asset_path = ""

    Modality = AssetModality

    # [ORDER-818] covers cell therapy, gene therapy, gene editing, stem cells and tissue engineering.
    NEW_BIOMEDICAL_TECHNOLOGY = frozenset(
        {
            Modality.CAR_T,
            Modality.TCR_T,
            Modality.GENE_THERAPY,
            Modality.GENE_EDITING,
            Modality.STEM_CELL,
            Modality.TISSUE_ENGINEERED,
        }
    )

    team = models.ForeignKey("teams.DealTeam", on_delete=models.CASCADE, related_name="assets")
    code = models.CharField(
        max_length=40,
        validators=[ASSET_CODE],
        help_text="The team's code for the asset, e.g. LCAR-B38M: letters, digits, '-', '.' and '_'.",
    )
    name = models.CharField(max_length=200)
    inn_name = models.CharField("generic / INN name", max_length=200, blank=True)
    modality = models.CharField(max_length=20, choices=Modality.choices)
    target = models.CharField(max_length=120, blank=True, help_text="e.g. BCMA")
    indications = models.TextField(blank=True, help_text="One indication per line.")
    originator = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    highest_phase_china = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    highest_phase_us = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    order818_scope_override = models.BooleanField(
        "Order 818 scope (override)",
        null=True,
        blank=True,
        help_text="Leave empty to derive from the modality; set only where the derived answer is wrong.",
    )
    is_illustrative = models.BooleanField(default=False, help_text="Demo data that goes beyond public facts.")
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "code"],
                name="asset_unique_code_per_team",
                violation_error_message="The team already has an asset with this code.",
            ),
            choice_constraint("modality", AssetModality, "asset_modality_valid"),
        ]
        indexes = [models.Index(fields=["team", "modality"], name="asset_team_modality")]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", kwargs={"asset_id": self.pk})

    @property
    def order818_scope_derived(self) -> bool:
        return self.modality in self.NEW_BIOMEDICAL_TECHNOLOGY

    @property
    def in_order818_scope(self) -> bool:
        """[ORDER-818] new biomedical technology: derived from the modality unless a reviewer overrode it."""
        if self.order818_scope_override is not None:
            return self.order818_scope_override
        return self.order818_scope_derived

    @property
    def indication_list(self) -> list[str]:
        return [line.strip() for line in self.indications.splitlines() if line.strip()]

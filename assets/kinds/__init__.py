"""The registry of the kinds of fact: the one place that says what each kind is.

Each entry names the model, where the kind sits (its parent and its key in the dossier), its fields in document
order, the objects of other kinds it refers to, and, for the kinds edited inline under an asset, its URLs, tab and
save. From this table come the inline-edit URLs and generic views, the forms, the dossier (export, import and the
JSON paths of its objects), its published schema, the asset's history and the team archive's finding subjects.

Adding a field to a kind: the model, its migration, and the field's name in its entry here (then
``python manage.py dossier_format`` writes the published schema and example again).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from assets.kinds.spec import TEXT_LIST, Document, FactKind, Field, Reference, save_site, save_study
from assets.models import (
    Asset,
    Company,
    DealTerms,
    EfficacyClaim,
    EthicsApproval,
    EvidenceQuality,
    HGRFiling,
    Hospital,
    INDApplication,
    Milestone,
    NHCFiling,
    RegistrationPlan,
    RoyaltyTier,
    Study,
    StudySite,
)
from assets.models.hospitals import normalise_name

__all__ = [
    "ALL_KINDS",
    "KINDS",
    "KINDS_BY_SLUG",
    "FactKind",
    "Field",
    "Reference",
    "children_of",
    "kind_of",
    "listed_kinds",
    "referred_kind",
    "referred_kinds",
]


def _site_order(site: Document) -> tuple[Any, ...]:
    """Lead site first, then by hospital as the directory matches it (case, width and punctuation ignored)."""
    hospital = site["hospital"]
    return (site["role"] != StudySite.Role.LEAD, normalise_name(hospital["name_en"]), normalise_name(hospital["city"]))


def _describe_site(record: Any) -> str:
    hospital = record.hospital.name_en if record.hospital else "a hospital"
    return f"{hospital} in {record.study or 'a deleted study'}"


# --- kinds that are not edited inline under an asset: listed once, at the top of the dossier, or written out where
# they are referred to; edited on pages of their own (the asset, the hospital directory) or by name (companies).

COMPANY = FactKind(
    slug="company",
    plural="companies",
    model=Company,
    document="company",
    description="A company the asset or a study refers to by name; matched by name within the importing team.",
    key="companies",
    natural_key=("name",),
    order=("name",),
    fields=("name", "country", "kind"),
)

ASSET = FactKind(
    slug="asset",
    plural="assets",
    model=Asset,
    document="asset",
    description="The asset itself; matched by code within the importing team.",
    key="asset",
    natural_key=("code",),
    fields=(
        "code",
        "name",
        "inn_name",
        "modality",
        "target",
        "indications",
        "highest_phase_china",
        "highest_phase_us",
        "order818_scope_override",
        "is_illustrative",
        "notes",
    ),
    references=(Reference("originator", "the originator"),),
)

HOSPITAL = FactKind(
    slug="hospital",
    plural="hospitals",
    model=Hospital,
    document="hospital",
    description=(
        "A hospital from the shared directory: matched by English name and city (case, width and punctuation "
        "ignored). An existing hospital keeps its directory facts; the other fields are used only when it is new."
    ),
    natural_key=("name_en", "city"),
    fields=(
        "name_en",
        "name_zh",
        "city",
        "province",
        "country",
        "grade",
        "grade_source",
        "grade_as_of",
        "grade_verified",
        "grade_verified_on",
        "nmpa_record",
        "nmpa_record_source",
        "nmpa_record_as_of",
    ),
)

# --- the facts under an asset, each edited inline on a tab of the asset page. A parent comes before its children,
# and the children of one parent stand in the order their lists have in the dossier.

STUDY = FactKind(
    slug="study",
    plural="studies",
    model=Study,
    document="study",
    description="A clinical study of the asset (an IIT or an industry trial) with everything under it.",
    parent=ASSET,
    key="studies",
    tab="studies",
    save=save_study,
    order=("start_date", "nct_id", "chictr_id", "ctr_id", "other_registry_id", "acronym", "title"),
    fields=(
        Field("nct_id", description='a ClinicalTrials.gov id (NCT followed by 8 digits, e.g. "NCT03090659"), or empty'),
        Field("chictr_id", description='a ChiCTR id (e.g. "ChiCTR2000029308" or "ChiCTR-OPC-17013061"), or empty'),
        Field(
            "ctr_id",
            description='a China drug-trial registry id (CTR followed by 8 digits, e.g. "CTR20181234"), or empty',
        ),
        Field(
            "other_registry_id",
            description='the id in another registry of the WHO network (e.g. "JPRN-jRCT2080224769"), or empty',
        ),
        "acronym",
        "title",
        "phase",
        "status",
        "sponsor_type",
        "sponsor_type_reason",
        "sponsor_name",
        "initiator",
        "track",
        "track_reason",
        "start_date",
        "start_date_precision",
        "first_patient_dosed_on",
        "first_patient_dosed_precision",
        "completion_date",
        "completion_date_precision",
        "planned_enrollment",
        "actual_enrollment",
        Field("countries", schema={"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 80}}),
        "data_cutoff_on",
        Field("source", edited=False),
        "provenance",
        # What a registry import adds: carried by the dossier, never typed in.
        Field("official_title", edited=False),
        Field("secondary_ids", edited=False, schema=TEXT_LIST),
        Field("phase_as_registered", edited=False),
        Field("sponsor_class", edited=False),
        Field(
            "collaborators",
            edited=False,
            schema={
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {"name": {"type": "string"}, "class": {"type": "string"}},
                },
            },
        ),
        Field(
            "overall_officials",
            edited=False,
            schema={
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "role": {"type": "string"},
                        "affiliation": {"type": "string"},
                    },
                },
            },
        ),
        Field("conditions", edited=False, schema=TEXT_LIST),
        Field("interventions", edited=False, schema=TEXT_LIST),
        Field("primary_outcomes", edited=False, schema=TEXT_LIST),
        Field("start_date_type", edited=False),
        Field("primary_completion_date", edited=False),
        Field("primary_completion_date_precision", edited=False),
        Field("primary_completion_date_type", edited=False),
        Field("completion_date_type", edited=False),
        Field("registry_flags", edited=False, schema=TEXT_LIST),
        Field("raw_record", edited=False),
        Field("raw_format", edited=False),
        Field("raw_source", edited=False),
        Field(
            "retrieved_at",
            edited=False,
            description=(
                "when the record was read from its source: an ISO 8601 date and time with its offset, or null"
            ),
        ),
    ),
    references=(Reference("funding_company", "the company funding the study"),),
)

CLAIM = FactKind(
    slug="claim",
    plural="claims",
    model=EfficacyClaim,
    document="efficacy_claim",
    description="A headline efficacy claim as reported.",
    parent=STUDY,
    key="efficacy_claims",
    tab="studies",
    order=("endpoint",),
    fields=("endpoint", "value", "unit", "patients", "median_follow_up_months", "source_note"),
)

EVIDENCE = FactKind(
    slug="evidence",
    plural="evidence",
    model=EvidenceQuality,
    document="evidence",
    description=(
        "Whether the study's data could stand before a regulator, and who holds the rights; null when not assessed."
    ),
    parent=STUDY,
    key="evidence",
    tab="studies",
    describe=lambda record: f"evidence for {record.study or 'a deleted study'}",
    describe_reads=("study",),
    fields=(
        "gcp_compliant",
        "gcp_note",
        "gcp_document",
        "independently_monitored",
        "monitoring_note",
        "monitoring_document",
        "source_records_accessible",
        "source_records_note",
        "source_records_document",
        "foreign_party_involved",
        "foreign_party",
        "foreign_party_document",
        "data_sent_abroad",
        "data_sent_abroad_note",
        "data_sent_abroad_document",
        "samples_sent_abroad",
        "hgr_defined_case",
        "institution_assignment",
        "institution_assignment_on",
        "investigator_assignment",
        "investigator_assignment_on",
        "rights_document",
    ),
)

SITE = FactKind(
    slug="site",
    plural="sites",
    model=StudySite,
    document="study_site",
    description="A study's site at a hospital.",
    parent=STUDY,
    key="sites",
    tab="sites",
    save=save_site,
    order=_site_order,
    describe=_describe_site,
    describe_reads=("hospital", "study"),
    fields=(
        "role",
        "principal_investigator",
        "enrollment",
        "activation_date",
        "first_enrolled_on",
        "verified_grade",
        "grade_verified_on",
        "grade_source",
    ),
    references=(Reference("hospital"),),
)

ETHICS = FactKind(
    slug="ethics",
    plural="ethics",
    model=EthicsApproval,
    document="ethics_approval",
    description="An ethics committee's approval for the site.",
    parent=SITE,
    key="ethics_approvals",
    tab="ethics",
    order=("approval_date", "committee", "reference_number"),
    fields=(
        "committee",
        "reference_number",
        "approval_date",
        "protocol_version",
        "consent_commercial_use",
        "consent_cross_border",
        "consent_future_research",
        "consent_documented",
    ),
)

HGR = FactKind(
    slug="hgr",
    plural="hgr-filings",
    model=HGRFiling,
    document="hgr_filing",
    description="[HGR-2024] A Human Genetic Resources approval or filing.",
    parent=STUDY,
    key="hgr_filings",
    tab="hgr",
    order=("submitted_on", "kind", "reference_number"),
    fields=(
        "kind",
        "reference_number",
        "status",
        "submitted_on",
        "decided_on",
        "foreign_party",
        "covers_samples",
        "covers_data",
    ),
)

NHC = FactKind(
    slug="nhc",
    plural="nhc-filings",
    model=NHCFiling,
    document="nhc_filing",
    description="[ORDER-818] The NHC filing of a new-biomedical-technology study.",
    parent=STUDY,
    key="nhc_filings",
    tab="filings",
    order=("filed_on", "filing_number"),
    describe=lambda record: record.filing_number or f"for {record.study or 'a deleted study'}",
    describe_reads=("study",),
    fields=("academic_review_on", "ethics_approved_on", "filed_on", "filing_number"),
)

IND = FactKind(
    slug="ind",
    plural="ind-applications",
    model=INDApplication,
    document="ind_application",
    description="An IND application for the asset.",
    parent=ASSET,
    key="ind_applications",
    tab="ind",
    order=("submitted_on", "authority", "number"),
    fields=(
        "authority",
        "number",
        "pathway",
        "review_extended",
        "submitted_on",
        "accepted_on",
        "cleared_on",
        "first_dose_on",
    ),
)

DEAL = FactKind(
    slug="deal",
    plural="deal-terms",
    model=DealTerms,
    document="deal_terms",
    description="The licence deal on the asset; null when there is none.",
    parent=ASSET,
    key="deal_terms",
    tab="deal",
    fields=(
        "direction",
        "counterparty",
        "territory",
        "currency",
        "upfront",
        "equity",
        "usd_rate",
        "technical_data_sharing",
        "signed_on",
    ),
)

MILESTONE = FactKind(
    slug="milestone",
    plural="milestones",
    model=Milestone,
    document="milestone",
    description="A milestone payment, in the deal's currency.",
    parent=DEAL,
    key="milestones",
    tab="deal",
    order=("kind", "amount", "event"),
    fields=("event", "kind", "rewards", "amount"),
)

ROYALTY = FactKind(
    slug="royalty",
    plural="royalty-tiers",
    model=RoyaltyTier,
    document="royalty_tier",
    description="A royalty rate from an annual net sales threshold (in the deal's currency).",
    parent=DEAL,
    key="royalty_tiers",
    tab="deal",
    order=("annual_net_sales_from",),
    fields=("annual_net_sales_from", "rate_percent"),
)

PLAN = FactKind(
    slug="plan",
    plural="plans",
    model=RegistrationPlan,
    document="registration_plan",
    description="How the team means to register the asset; null when there is no plan.",
    parent=ASSET,
    key="registration_plan",
    tab="deal",
    describe=lambda record: "registration plan",
    fields=(
        Field(
            "target_markets",
            schema={
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "enum": RegistrationPlan.Market.values},
            },
        ),
        "us_filing_relies_on_iit",
        "mrct_planned",
        "mrct_regions",
        "planned_us_ind_on",
        "regeneration_cost_usd",
        "regeneration_months",
        "notes",
    ),
)

# Every kind, in the order of the dossier's schema definitions.
ALL_KINDS: list[FactKind] = [
    COMPANY,
    ASSET,
    STUDY,
    CLAIM,
    EVIDENCE,
    SITE,
    HOSPITAL,
    ETHICS,
    HGR,
    NHC,
    IND,
    DEAL,
    MILESTONE,
    ROYALTY,
    PLAN,
]
# The kinds edited inline under an asset: each gets create / edit / delete / history URLs and views.
KINDS: list[FactKind] = [kind for kind in ALL_KINDS if kind.inline]
KINDS_BY_SLUG = {kind.slug: kind for kind in ALL_KINDS}
_BY_MODEL: dict[type[models.Model], FactKind] = {kind.model: kind for kind in ALL_KINDS}


def kind_of(model: type[models.Model]) -> FactKind:
    """The registry entry of a model (KeyError for a model that is no kind of fact)."""
    return _BY_MODEL[model]


def referred_kind(kind: FactKind, reference: str) -> FactKind:
    """The kind a reference of ``kind`` points to (the company of ``originator``, the hospital of ``hospital``)."""
    target = kind.model_field(reference).related_model
    if not isinstance(target, type):
        raise LookupError(f"{kind.slug}.{reference} refers to no model")
    return kind_of(target)


def listed_kinds() -> list[FactKind]:
    """The kinds listed once at the top of the dossier and referred to by their natural key (companies); a kind
    referred to that is not listed (a hospital) is written out whole where it is referred to."""
    return [kind for kind in ALL_KINDS if kind.parent is None and kind.key and kind is not ASSET]


def referred_kinds() -> list[FactKind]:
    """The kinds other kinds refer to (companies, hospitals), in the registry's order."""
    targets = {referred_kind(kind, ref.name) for kind in ALL_KINDS for ref in kind.references}
    return [kind for kind in ALL_KINDS if kind in targets]


def children_of(kind: FactKind) -> list[FactKind]:
    """The kinds under ``kind``, in the order the dossier lists them."""
    return [child for child in ALL_KINDS if child.parent is kind]

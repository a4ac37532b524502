"""Which model fields a dossier carries, and how each value crosses between the document and the model.

Export and import share these lists so the two directions cannot drift apart: a field added here travels both ways,
and a test holds ``schema.json`` to the same lists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import models

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

FORMAT: Final = "iit-diligence-dossier"
VERSION: Final = 1

# The plain fields of each object, in the order a reader meets them. References (companies, the hospital) and
# child lists are added by the exporter and importer, under the keys named in REFERENCES and CHILDREN.
FIELDS: Final[dict[type[models.Model], tuple[str, ...]]] = {
    Company: ("name", "country", "kind"),
    Asset: (
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
    Study: (
        "nct_id",
        "chictr_id",
        "ctr_id",
        "acronym",
        "title",
        "phase",
        "status",
        "sponsor_type",
        "sponsor_type_reason",
        "sponsor_name",
        "start_date",
        "start_date_precision",
        "first_patient_dosed_on",
        "first_patient_dosed_precision",
        "completion_date",
        "completion_date_precision",
        "planned_enrollment",
        "actual_enrollment",
        "countries",
        "data_cutoff_on",
        "source",
        "provenance",
        "official_title",
        "secondary_ids",
        "phase_as_registered",
        "sponsor_class",
        "collaborators",
        "overall_officials",
        "conditions",
        "interventions",
        "start_date_type",
        "primary_completion_date",
        "primary_completion_date_precision",
        "primary_completion_date_type",
        "completion_date_type",
        "registry_flags",
        "raw_record",
        "raw_format",
        "raw_source",
        "retrieved_at",
    ),
    EfficacyClaim: ("endpoint", "value", "unit", "patients", "median_follow_up_months", "source_note"),
    EvidenceQuality: (
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
        "institution_assignment",
        "institution_assignment_on",
        "investigator_assignment",
        "investigator_assignment_on",
        "rights_document",
    ),
    StudySite: ("role", "principal_investigator", "enrollment", "activation_date", "first_enrolled_on"),
    Hospital: ("name_en", "name_zh", "city", "province", "country", "grade", "grade_verified", "grade_verified_on"),
    EthicsApproval: (
        "committee",
        "reference_number",
        "approval_date",
        "protocol_version",
        "consent_commercial_use",
        "consent_cross_border",
        "consent_future_research",
    ),
    HGRFiling: (
        "kind",
        "reference_number",
        "submitted_on",
        "decided_on",
        "status",
        "foreign_party",
        "covers_samples",
        "covers_data",
    ),
    NHCFiling: ("academic_review_on", "ethics_approved_on", "filed_on", "filing_number"),
    INDApplication: (
        "authority",
        "number",
        "pathway",
        "review_extended",
        "submitted_on",
        "accepted_on",
        "cleared_on",
        "first_dose_on",
    ),
    DealTerms: (
        "direction",
        "counterparty",
        "territory",
        "currency",
        "upfront",
        "equity",
        "technical_data_sharing",
        "signed_on",
    ),
    Milestone: ("event", "kind", "amount"),
    RoyaltyTier: ("annual_net_sales_from", "rate_percent"),
    RegistrationPlan: (
        "target_markets",
        "us_filing_relies_on_iit",
        "mrct_planned",
        "mrct_regions",
        "planned_us_ind_on",
        "notes",
    ),
}

# Keys that name another object rather than hold a value: model field -> document key (the same name here).
REFERENCES: Final[dict[type[models.Model], tuple[str, ...]]] = {
    Asset: ("originator",),
    Study: ("funding_company",),
    StudySite: ("hospital",),
}

CHILDREN: Final[dict[type[models.Model], tuple[str, ...]]] = {
    Study: ("efficacy_claims", "evidence", "sites", "hgr_filings", "nhc_filings"),
    StudySite: ("ethics_approvals",),
    DealTerms: ("milestones", "royalty_tiers"),
}


class _Skip:
    """A document value the model must not see (the schema already refused it)."""


SKIP: Final = _Skip()


def document_keys(model: type[models.Model]) -> tuple[str, ...]:
    """Every key an object of this model may carry in the document."""
    return FIELDS[model] + REFERENCES.get(model, ()) + CHILDREN.get(model, ())


def to_document(model: type[models.Model], name: str, value: Any) -> Any:
    """A model value as JSON: decimals as fixed-point strings (never floats), dates as YYYY-MM-DD, moments in ISO 8601
    with their offset."""
    field = model._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        return f"{Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)):f}"
    if isinstance(field, models.DateField):
        return value.isoformat()
    return value


def from_document(model: type[models.Model], name: str, value: Any) -> Any:
    """A document value for the model, or SKIP when it cannot be one (the schema reports why)."""
    field = model._meta.get_field(name)
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        if not isinstance(value, str):
            return SKIP
        try:
            return Decimal(value)
        except InvalidOperation:
            return SKIP
    if isinstance(field, models.DateTimeField):  # before DateField, its base class
        try:
            moment = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return SKIP
        return moment if moment.tzinfo else SKIP
    if isinstance(field, models.DateField):
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return SKIP
    return value


def values_of(instance: models.Model) -> dict[str, Any]:
    """The instance's plain fields as document values."""
    model = type(instance)
    return {name: to_document(model, name, getattr(instance, name)) for name in FIELDS[model]}

"""Forms for the facts. Each carries the version it was read at, so a stale save can be refused."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import QueryDict

from assets.models import (
    Asset,
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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class DerivedOrOverrideSelect(forms.NullBooleanSelect):
    """Empty means "derive it"; yes or no overrides the derived answer."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "Derived from modality"), ("true", "Yes (override)"), ("false", "No (override)")]


class CommaSeparatedListField(forms.CharField):
    """A JSON list edited as "China, United States"."""

    def prepare_value(self, value: object) -> object:
        return ", ".join(value) if isinstance(value, list) else value

    # The cleaned value is a list where CharField's is text, which the stubs cannot express for a subclass.
    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


class FactForm(forms.ModelForm):
    """A fact's form: dates as date pickers, and the hidden version the edit started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
                field.input_formats = ["%Y-%m-%d"]

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version") if self.instance.pk else None

    def refresh_version(self, version: int) -> None:
        """After a refused stale save: keep the user's input, but let a deliberate second save go through."""
        data = cast(QueryDict, self.data).copy()  # bound to request.POST: the save that was refused
        data[self.add_prefix("version")] = str(version)
        self.data = data


class AssetForm(FactForm):
    originator_name = forms.CharField(
        label="Originator company", max_length=200, required=False, help_text="Matched by name within your team."
    )

    class Meta:
        model = Asset
        fields = [
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
        ]
        widgets = {
            "indications": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "order818_scope_override": DerivedOrOverrideSelect(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.originator_id and not self.is_bound:
            self.initial["originator_name"] = self.instance.originator.name


class StudyForm(FactForm):
    funding_company_name = forms.CharField(label="Funding company", max_length=200, required=False)
    countries = CommaSeparatedListField(required=False, help_text="Comma-separated, e.g. China, United States")

    class Meta:
        model = Study
        fields = [
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
            "provenance",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.funding_company_id and not self.is_bound:
            self.initial["funding_company_name"] = self.instance.funding_company.name


class StudySiteForm(FactForm):
    hospital_name_en = forms.CharField(label="Hospital (English name)", max_length=300)
    hospital_city = forms.CharField(label="City", max_length=120, required=False)
    hospital_name_zh = forms.CharField(label="Hospital (Chinese name)", max_length=200, required=False)
    hospital_province = forms.CharField(label="Province", max_length=120, required=False)
    hospital_grade = forms.ChoiceField(
        label="Grade (new hospitals only)", choices=Hospital.Grade.choices, initial=Hospital.Grade.UNKNOWN
    )

    class Meta:
        model = StudySite
        fields = ["role", "principal_investigator", "enrollment", "activation_date", "first_enrolled_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            hospital = self.instance.hospital
            self.initial.update(
                hospital_name_en=hospital.name_en,
                hospital_city=hospital.city,
                hospital_name_zh=hospital.name_zh,
                hospital_province=hospital.province,
                hospital_grade=hospital.grade,
            )

    def hospital_facts(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "name_en": data["hospital_name_en"],
            "city": data["hospital_city"],
            "name_zh": data["hospital_name_zh"],
            "province": data["hospital_province"],
            "grade": data["hospital_grade"],
        }


class EthicsApprovalForm(FactForm):
    class Meta:
        model = EthicsApproval
        fields = [
            "committee",
            "reference_number",
            "approval_date",
            "protocol_version",
            "consent_commercial_use",
            "consent_cross_border",
            "consent_future_research",
        ]


class EfficacyClaimForm(FactForm):
    class Meta:
        model = EfficacyClaim
        fields = ["endpoint", "value", "unit", "patients", "median_follow_up_months", "source_note"]


class EvidenceQualityForm(FactForm):
    class Meta:
        model = EvidenceQuality
        fields = [
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
        ]


class HGRFilingForm(FactForm):
    class Meta:
        model = HGRFiling
        fields = [
            "kind",
            "reference_number",
            "status",
            "submitted_on",
            "decided_on",
            "foreign_party",
            "covers_samples",
            "covers_data",
        ]


class NHCFilingForm(FactForm):
    class Meta:
        model = NHCFiling
        fields = ["academic_review_on", "ethics_approved_on", "filed_on", "filing_number"]


class INDApplicationForm(FactForm):
    class Meta:
        model = INDApplication
        fields = [
            "authority",
            "number",
            "pathway",
            "review_extended",
            "submitted_on",
            "accepted_on",
            "cleared_on",
            "first_dose_on",
        ]


class DealTermsForm(FactForm):
    class Meta:
        model = DealTerms
        fields = [
            "direction",
            "counterparty",
            "territory",
            "currency",
            "upfront",
            "equity",
            "technical_data_sharing",
            "signed_on",
        ]


class MilestoneForm(FactForm):
    class Meta:
        model = Milestone
        fields = ["event", "kind", "amount"]


class RoyaltyTierForm(FactForm):
    class Meta:
        model = RoyaltyTier
        fields = ["annual_net_sales_from", "rate_percent"]


class RegistrationPlanForm(FactForm):
    target_markets = forms.MultipleChoiceField(
        choices=RegistrationPlan.Market.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = RegistrationPlan
        fields = [
            "target_markets",
            "us_filing_relies_on_iit",
            "mrct_planned",
            "mrct_regions",
            "planned_us_ind_on",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class HospitalForm(FactForm):
    class Meta:
        model = Hospital
        fields = ["name_en", "name_zh", "city", "province", "country", "grade", "grade_verified", "grade_verified_on"]

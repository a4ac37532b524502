"""Forms for the facts. Each carries the version it was read at, so a stale save can be refused.

A kind's form edits the fields its registry entry (``assets.kinds``) marks as edited, in document order; the few
kinds that take more than their own fields (a company or hospital by name, a list typed as text) have a class of
their own here that adds those inputs.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from django import forms
from django.db.models import Model
from django.http import QueryDict

from assets import kinds
from assets.kinds import FactKind
from assets.models import Asset, Hospital, RegistrationPlan, Study, StudySite
from assets.services import StaleEdit


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


MISSING_VERSION = (
    "This change was sent without the version of the record it was made to, so it cannot be checked against "
    "changes made since. Reload the page and make it again."
)


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
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 2  # notes and lists of indications: a few lines, not a page

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.instance.pk and cleaned.get("version") is None and "version" not in self.errors:
            # Without it a stale save could not be told from a fresh one, and would overwrite someone's change.
            self.add_error(None, MISSING_VERSION)
        return cleaned

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version") if self.instance.pk else None

    def refresh_after_stale(self, stale: StaleEdit) -> None:
        self.data = stale_form_data(self, stale)


class AssetForm(FactForm):
    originator_name = forms.CharField(
        label="Originator company", max_length=200, required=False, help_text="Matched by name within your team."
    )

    class Meta:
        model = Asset
        fields = kinds.ASSET.form_fields
        widgets = {"order818_scope_override": DerivedOrOverrideSelect()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.originator_id and not self.is_bound:
            self.initial["originator_name"] = self.instance.originator.name


class StudyForm(FactForm):
    funding_company_name = forms.CharField(label="Funding company", max_length=200, required=False)
    countries = CommaSeparatedListField(required=False, help_text="Comma-separated, e.g. China, United States")

    class Meta:
        model = Study
        fields = kinds.STUDY.form_fields

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
        fields = kinds.SITE.form_fields

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


class RegistrationPlanForm(FactForm):
    target_markets = forms.MultipleChoiceField(
        choices=RegistrationPlan.Market.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = RegistrationPlan
        fields = kinds.PLAN.form_fields


# The kinds whose forms take more than their own fields.
_OWN_FORMS: dict[type[Model], type[FactForm]] = {
    Asset: AssetForm,
    Study: StudyForm,
    StudySite: StudySiteForm,
    RegistrationPlan: RegistrationPlanForm,
}


@cache
def form_for(kind: FactKind) -> type[FactForm]:
    """The kind's form: its own class where it has one, else a plain fact form, over the fields the registry marks
    as edited, in its order."""
    own = _OWN_FORMS.get(kind.model)
    if own is not None and list(own._meta.fields or ()) == kind.form_fields:
        return own
    return cast(type[FactForm], forms.modelform_factory(kind.model, form=own or FactForm, fields=kind.form_fields))


# Named for the views and tests that build one directly; the generic fact views ask ``form_for``.
HospitalForm = form_for(kinds.HOSPITAL)
EfficacyClaimForm = form_for(kinds.CLAIM)
EthicsApprovalForm = form_for(kinds.ETHICS)
MilestoneForm = form_for(kinds.MILESTONE)


def stale_form_data(form: forms.BaseForm, stale: StaleEdit) -> QueryDict:
    """After a save refused for a real conflict: the user's input kept, the version now stored (so a deliberate
    second save goes through), and the other person's values in the fields only they changed, so that second save
    keeps their change rather than undoing it."""
    data = cast(QueryDict, form.data).copy()  # bound to request.POST: the save that was refused
    data[form.add_prefix("version")] = str(stale.current.version)
    for name in stale.theirs_only:
        if name not in form.fields:
            continue
        key, value = form.add_prefix(name), getattr(stale.current, stale.current._meta.get_field(name).attname)
        if isinstance(value, bool):
            data.setlist(key, ["on"] if value else [])
        else:
            data[key] = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data

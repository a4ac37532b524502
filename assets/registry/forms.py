"""The upload and fetch forms: the team (and asset) are limited to where the user may add studies."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from assets.models import Asset, RegistryWatch
from assets.registry.fetch import normalise_nct_id
from teams.models import DealTeam


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern): the cleaned value is a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = list(data) if isinstance(data, list | tuple) else [data]
        cleaned = [single(item, initial) for item in items or [None]]  # [None]: a required field says so
        return [file for file in cleaned if file]


class AssetChoiceField(forms.ModelChoiceField):
    """An asset named with its code and team, as the import's target."""

    def label_from_instance(self, obj: Asset) -> str:
        return f"{obj.code} · {obj.name} ({obj.team.name})"


class _TargetForm(forms.Form):
    # Their querysets are the user's, set per form below.
    team: forms.ModelChoiceField[DealTeam] = forms.ModelChoiceField(queryset=None, empty_label=None)
    asset = AssetChoiceField(
        queryset=None, required=False, empty_label="(none: attach later)", help_text="The asset the studies are about."
    )

    def __init__(self, *args: Any, teams: QuerySet[DealTeam], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds this form's copies of the fields declared above.
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams
        assets = Asset.objects.filter(team__in=teams).select_related("team").order_by("team__name", "code")
        cast(AssetChoiceField, self.fields["asset"]).queryset = assets

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        team, asset = cleaned.get("team"), cleaned.get("asset")
        if team is not None and asset is not None and asset.team_id != team.pk:
            self.add_error("asset", "This asset belongs to another team.")
        return cleaned


class RegistryUploadForm(_TargetForm):
    # The form's metaclass moves declared fields into base_fields, so this does not replace Form.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Registry files",
        help_text=(
            "ClinicalTrials.gov JSON (a study or search results) or XML; WHO ICTRP XML (the portal's export of any "
            "registry, or ChiCTR's download of a trial). "
            f"Up to {settings.DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES // 1_048_576} MB each."
        ),
    )


class RegistryFetchForm(_TargetForm):
    nct_id = forms.CharField(label="NCT id", max_length=20, help_text="e.g. NCT03090659")

    def clean_nct_id(self) -> str:
        try:
            return normalise_nct_id(self.cleaned_data["nct_id"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class RegistryScheduleForm(forms.Form):
    """How often a lead wants the asset's linked ClinicalTrials.gov records checked; carries the schedule's version."""

    schedule = forms.ChoiceField(choices=RegistryWatch.Schedule.choices)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class RegistryDecisionForm(forms.Form):
    """Accept a new version of a record, or keep the earlier one with a note. ``seen_latest`` is the newest version
    the page showed: a decision made while a newer one arrived is refused."""

    seen_latest = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

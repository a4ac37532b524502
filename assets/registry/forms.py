"""The upload and fetch forms: the team (and asset) are limited to where the user may add studies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from assets.models import Asset
from assets.registry.fetch import normalise_nct_id


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


class _TargetForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, empty_label=None)
    asset = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="(none: attach later)", help_text="The asset the studies are about."
    )

    def __init__(self, *args: Any, teams: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        assets = Asset.objects.filter(team__in=teams).select_related("team").order_by("team__name", "code")
        self.fields["asset"].queryset = assets
        self.fields["asset"].label_from_instance = lambda a: f"{a.code} · {a.name} ({a.team.name})"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        team, asset = cleaned.get("team"), cleaned.get("asset")
        if team is not None and asset is not None and asset.team_id != team.pk:
            self.add_error("asset", "This asset belongs to another team.")
        return cleaned


class RegistryUploadForm(_TargetForm):
    files = MultipleFileField(
        label="Registry files",
        help_text=(
            "ClinicalTrials.gov JSON (a study or search results) or XML; ChiCTR records as WHO ICTRP XML. "
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

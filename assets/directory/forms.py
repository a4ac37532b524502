"""The curators' answers to a review: each names the review's version it was given, so two curators never act on
the same string twice unknowingly."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from assets.models import SiteMatchReview


class ReviewActionForm(forms.Form):
    action = "act"  # the form's prefix with the review's id: a page of rows holds many of each form
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, review: SiteMatchReview, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"{self.action}-{review.pk}")
        super().__init__(*args, **kwargs)
        self.review = review
        if not self.is_bound:
            self.initial["version"] = review.version

    def hospital_choices(self, *, with_holding: bool) -> list[tuple[int, str]]:
        choices = [(c.hospital_id, f"{c.hospital} · score {c.score}") for c in self.review.scored_candidates.all()]
        holding = self.review.holding
        if with_holding and holding is not None and holding.pk not in dict(choices):
            choices.append((holding.pk, f"{holding} · created from this site string"))
        return choices


class ConfirmForm(ReviewActionForm):
    action = "confirm"
    hospital = forms.TypedChoiceField(coerce=int, label="This site is")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["hospital"]).choices = self.hospital_choices(with_holding=False)


class CreateForm(ReviewActionForm):
    action = "create"


class MergeForm(ReviewActionForm):
    action = "merge"
    keep = forms.TypedChoiceField(coerce=int, label="Keep")
    remove = forms.TypedChoiceField(coerce=int, label="Merge into it and remove")
    # The versions of the hospitals as the curator saw them ("id:version,..."), so a merge never discards an edit made
    # to either record meanwhile.
    hospital_versions = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = self.hospital_choices(with_holding=True)
        for name in ("keep", "remove"):
            cast(forms.ChoiceField, self.fields[name]).choices = choices
        if not self.is_bound:
            seen = [c.hospital for c in self.review.scored_candidates.all()]
            if self.review.holding is not None:
                seen.append(self.review.holding)
            self.initial["hospital_versions"] = ",".join(f"{h.pk}:{h.version}" for h in seen)

    def clean_hospital_versions(self) -> dict[int, int]:
        try:
            pairs = [pair.split(":") for pair in self.cleaned_data["hospital_versions"].split(",") if pair]
            return {int(pk): int(version) for pk, version in pairs}
        except ValueError:
            raise forms.ValidationError("The page sent the hospitals' versions garbled: reload it.") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("keep") is not None and data.get("keep") == data.get("remove"):
            self.add_error("remove", "Choose two different hospitals.")
        return data

"""Forms for reviews and findings. Choices of people are limited to the review's team."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from assets.forms import DateInput, stale_form_data
from assets.services import StaleEdit
from diligence.models import Finding, QuestionKey, Review, ReviewItem
from teams.models import User


def team_members(team_id: int) -> QuerySet[User]:
    return User.objects.filter(memberships__team_id=team_id).order_by("first_name", "username").distinct()


class ReviewItemForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    # The form replaces the item's row in place: focus goes to its first field, or a keyboard user is left nowhere.
    status = forms.ChoiceField(choices=ReviewItem.Status.choices, widget=forms.Select(attrs={"autofocus": True}))
    na_reason = forms.CharField(label="Why not applicable", max_length=300, required=False)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Unassigned")
    due_on = forms.DateField(label="Due", required=False, widget=DateInput(), input_formats=["%Y-%m-%d"])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, item: ReviewItem, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "version": item.version,
                "status": item.status,
                "na_reason": item.na_reason,
                "assignee": item.assignee_id,
                "due_on": item.due_on,
                "notes": item.notes,
            },
        )
        kwargs.setdefault("prefix", f"item-{item.pk}")
        super().__init__(*args, **kwargs)
        # self.fields holds this form's copies of the fields declared above.
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = team_members(item.review.team_id)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("status") == ReviewItem.Status.NOT_APPLICABLE and not (data.get("na_reason") or "").strip():
            self.add_error("na_reason", "Say why the item does not apply.")
        return data

    def changes(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in ("status", "na_reason", "assignee", "due_on", "notes")}

    def refresh_after_stale(self, stale: StaleEdit) -> None:
        self.data = stale_form_data(self, stale)


class BulkForm(forms.Form):
    items = forms.ModelMultipleChoiceField(queryset=ReviewItem.objects.none(), widget=forms.MultipleHiddenInput)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="(leave as is)")
    unassign = forms.BooleanField(required=False, label="Unassign")
    due_on = forms.DateField(label="Due", required=False, widget=DateInput(), input_formats=["%Y-%m-%d"])

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds this form's copies of the fields declared above.
        items = review.items.filter(archived_at__isnull=True)
        cast(forms.ModelMultipleChoiceField, self.fields["items"]).queryset = items
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = team_members(review.team_id)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("assignee") or data.get("unassign") or data.get("due_on")):
            raise forms.ValidationError("Choose an assignee, unassign, or a due date to apply.")
        return data


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class EvidenceForm(forms.Form):
    file = forms.FileField(label="Evidence file")
    document_date = forms.DateField(
        label="Document date",
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text="The date the document bears, if not today's (e.g. a 2019 ethics approval).",
    )


class FindingStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Finding.Status.ACKNOWLEDGED, "Acknowledge"),
            (Finding.Status.MITIGATED, "Mitigated"),
            (Finding.Status.OPEN, "Reopen"),
        ]
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


QUESTION_CHOICES = [("", "All questions"), *QuestionKey.choices]

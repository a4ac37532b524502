"""Forms for requests to the other side. Choices are limited to the asset's own lists and the review's own items."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from assets.forms import DateInput
from diligence.models import CounterpartyRequest, RequestList, Review, ReviewItem


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email")
    name = forms.CharField(label="Name", max_length=150)
    organisation = forms.CharField(label="Organisation", max_length=200, help_text="Who they answer for.")


class ContactChoiceField(forms.ModelChoiceField):
    """A request list, shown as the contact it is addressed to."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.contact)


class _RequestFields(forms.Form):
    request_list = ContactChoiceField(label="To", queryset=RequestList.objects.none(), empty_label=None)
    priority = forms.ChoiceField(choices=CounterpartyRequest.Priority.choices, initial="normal")
    due_on = forms.DateField(label="Due", required=False, widget=DateInput(), input_formats=["%Y-%m-%d"])

    def __init__(self, *args: Any, asset_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lists = RequestList.objects.filter(asset_id=asset_id, contact__revoked_at__isnull=True)
        cast(ContactChoiceField, self.fields["request_list"]).queryset = lists.select_related("contact__user")


class RequestForm(_RequestFields):
    """One request from one checklist item."""

    text = forms.CharField(label="What is asked", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class BulkRequestForm(_RequestFields):
    """One request per selected checklist item of the review; each asks for what its item checks unless a text is
    given for all."""

    items = forms.ModelMultipleChoiceField(queryset=ReviewItem.objects.none(), widget=forms.MultipleHiddenInput)
    text = forms.CharField(label="What is asked (blank: each item's own text)", required=False, max_length=5000)

    def __init__(self, *args: Any, review: Review, **kwargs: Any) -> None:
        super().__init__(*args, asset_id=review.asset_id, **kwargs)
        items = review.items.filter(archived_at__isnull=True).select_related("template_item", "review")
        cast(forms.ModelMultipleChoiceField, self.fields["items"]).queryset = items


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows it ("Uploading multiple files")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(
        label="Your answer", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000
    )
    attachments = MultipleFileField(label="Files", required=False)
    document_date = forms.DateField(
        label="Date the documents bear",
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d"],
        help_text="E.g. the date of an ethics approval, if older than today.",
    )


class MessageForm(forms.Form):
    """A question (the contact's), a reply or a return reason (a member's)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class RequestImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (.xlsx)",
        help_text="Columns: item key, what is asked, priority (high, normal, low), due (YYYY-MM-DD).",
    )

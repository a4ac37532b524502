"""A member confirms or rejects a proposed pair of registrations (one trial in two registries); htmx gets the pair's
row back, as it now stands."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assets.access import registration_link_access
from assets.models import StudyRegistrationLink
from assets.registry.links import registration_link_decide
from assets.services import StaleEdit
from teams.http import HtmxHttpRequest

ROW = "assets/tabs/_studies.html#registration-link"


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, error_messages={"required": "Reload the page."})


@login_required
@require_POST
def registration_link_confirm(request: HtmxHttpRequest, registration_link_id: int) -> HttpResponse:
    return _decide(request, registration_link_id, confirm=True)


@login_required
@require_POST
def registration_link_reject(request: HtmxHttpRequest, registration_link_id: int) -> HttpResponse:
    return _decide(request, registration_link_id, confirm=False)


def _decide(request: HtmxHttpRequest, link_id: int, *, confirm: bool) -> HttpResponse:
    link = registration_link_access(request, link_id)
    form = DecisionForm(request.POST)
    notice, error, status = "", "", 400
    if not form.is_valid():
        error = "The decision was sent without the version of the pair you saw: reload the page."
    else:
        try:
            link = registration_link_decide(
                link_id=link.pk, confirm=confirm, expected_version=form.cleaned_data["version"], user=request.user
            )
        except StaleEdit:
            error, status = "Someone decided on this pair since you opened the page: here it is as it is now.", 409
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            notice, status = ("Linked: one trial." if confirm else "Rejected: it will not be proposed again."), 200
    if status == 200 and not request.htmx:
        messages.success(request, notice)
        return redirect(_back(link))
    fresh = registration_link_access(request, link.pk)  # as it now stands
    context = {"link": fresh, "notice": notice, "error": error, "back": _back(fresh)}
    template = ROW if request.htmx else "assets/registration_link_decision.html"
    return render(request, template, context, status=status)


def _back(link: StudyRegistrationLink) -> str:
    study = link.first if link.first.asset_id else link.second
    return study.get_absolute_url()

"""Each person's notification choices: per kind of event, at once, in the daily digest, or off."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from diligence.models import Notification, NotificationPreference
from diligence.services import notifications as services
from teams.http import AuthenticatedHttpRequest


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[kind] = forms.ChoiceField(label=label, choices=NotificationPreference.Delivery.choices)


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own choices: nobody else's are reachable here."""
    form = PreferencesForm(request.POST or None, initial=services.notification_preferences_of(user=request.user))
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(user=request.user, choices=form.cleaned_data)
        messages.success(request, "Notification choices saved.")
        return redirect("diligence:notification_preferences_edit")
    return render(request, "diligence/notification_preferences.html", {"form": form})

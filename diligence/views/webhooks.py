"""A team's webhooks, for its lead: add one (URL; the secret is made here and shown to the lead), switch one off,
and read the delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from diligence.models import TeamWebhook, WebhookDelivery
from diligence.services import webhooks as services
from teams import access
from teams.http import AuthenticatedHttpRequest

LOG_SIZE = 50


class WebhookForm(forms.Form):
    url = forms.URLField(label="Receiver URL", max_length=500, assume_scheme="https")


class WebhookChoiceForm(forms.Form):
    webhook = forms.ModelChoiceField(queryset=TeamWebhook.objects.none())


@login_required
@require_GET
def webhook_list(request: AuthenticatedHttpRequest, team_slug: str) -> HttpResponse:
    team = access.team_access(request, team_slug, lead=True)
    context = {
        "team": team,
        "webhooks": TeamWebhook.objects.filter(team=team),
        "deliveries": WebhookDelivery.objects.filter(webhook__team=team).select_related("webhook")[:LOG_SIZE],
        "form": WebhookForm(),
    }
    return render(request, "diligence/webhooks.html", context)


@login_required
@require_POST
def webhook_create(request: AuthenticatedHttpRequest, team_slug: str) -> HttpResponse:
    team = access.team_access(request, team_slug, lead=True)
    form = WebhookForm(request.POST)
    if form.is_valid():
        try:
            services.webhook_create(team=team, url=form.cleaned_data["url"], actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Webhook added: give its secret to the receiver to check the signatures.")
    else:
        messages.error(request, "Enter the receiver's full URL (http or https).")
    return redirect("diligence:webhook_list", team_slug=team.slug)


@login_required
@require_POST
def webhook_deactivate_edit(request: AuthenticatedHttpRequest, team_slug: str) -> HttpResponse:
    """Switch off one of this team's webhooks (chosen among the team's own: another team's id is no choice)."""
    team = access.team_access(request, team_slug, lead=True)
    form = WebhookChoiceForm(request.POST)
    form.fields["webhook"].queryset = TeamWebhook.objects.filter(team=team)  # type: ignore[attr-defined]
    if form.is_valid():
        services.webhook_deactivate(webhook=form.cleaned_data["webhook"])
        messages.success(request, "Webhook switched off.")
    else:
        messages.error(request, "Choose one of this team's webhooks.")
    return redirect("diligence:webhook_list", team_slug=team.slug)

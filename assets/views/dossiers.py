"""Dossiers in the browser: download an asset as JSON, upload one into a team (imported by a worker)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from assets.access import asset_access
from assets.dossier import dossier_dumps, dossier_export
from assets.jobs.services import import_job_create
from assets.models import ImportJob
from assets.views.imports import job_context
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest
from teams.models import DealTeam

MAX_DOSSIER_BYTES = 20 * 1024 * 1024


@login_required
@require_GET
def dossier_download(request: AuthenticatedHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, log="download", log_kind="dossier")
    response = HttpResponse(dossier_dumps(dossier_export(asset=asset)), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{asset.code}-dossier.json")
    return response


class DossierUploadForm(forms.Form):
    file = forms.FileField(label="Dossier (JSON)")

    def __init__(self, *args: Any, teams: QuerySet[DealTeam], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"] = forms.ModelChoiceField(queryset=teams, empty_label=None)
        self.order_fields(["team", "file"])

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_DOSSIER_BYTES:
            raise forms.ValidationError(
                f"The file is over the {MAX_DOSSIER_BYTES // 1_048_576} MB limit for a dossier."
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def dossier_upload(request: HtmxHttpRequest) -> HttpResponse:
    """A valid upload becomes a job and is answered at once with its status, which polls until it is imported."""
    teams = access.teams_editable_by(request.user)
    form = DossierUploadForm(request.POST or None, request.FILES or None, teams=teams)
    context: dict[str, Any] = {"form": form, "has_teams": teams.exists()}
    if request.method == "POST" and form.is_valid():
        team, upload = form.cleaned_data["team"], form.cleaned_data["file"]
        job = import_job_create(team=team, kind=ImportJob.Kind.DOSSIER, user=request.user, uploads=[upload])
        context |= job_context(job)
    template = "assets/dossier_upload.html#panel" if request.htmx else "assets/dossier_upload.html"
    return render(request, template, context)

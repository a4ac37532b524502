"""Dossiers in the browser: download an asset as JSON, upload one into a team."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from assets.access import asset_access
from assets.dossier import DossierError, dossier_dumps, dossier_export, dossier_import, dossier_loads
from teams import access
from teams.http import AuthenticatedHttpRequest
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
def dossier_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = access.teams_editable_by(request.user)
    form = DossierUploadForm(request.POST or None, request.FILES or None, teams=teams)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            document = dossier_loads(form.cleaned_data["file"].read())
            result = dossier_import(team=form.cleaned_data["team"], document=document, user=request.user)
        except DossierError as error:
            problems = error.problems
        else:
            messages.success(request, result.summary())
            return redirect(result.asset)
    context = {"form": form, "problems": problems, "has_teams": teams.exists()}
    return render(request, "assets/dossier_upload.html", context, status=400 if problems else 200)

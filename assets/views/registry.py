"""Registry import in the browser: upload record files, or fetch one study from ClinicalTrials.gov, into a team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from assets.registry import ImportReport, RegistryFetchError, RegistryFile, ctgov_fetch, registry_import
from assets.registry.forms import RegistryFetchForm, RegistryUploadForm
from teams import access
from teams.http import HtmxHttpRequest
from teams.models import DealTeam

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    from teams.models import User


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def registry_import_page(request: HtmxHttpRequest) -> HttpResponse:
    teams = editable_teams(request.user)
    upload = RegistryUploadForm(request.POST or None, request.FILES or None, teams=teams)
    report = None
    if request.method == "POST" and upload.is_valid():
        files = [_uploaded(file) for file in upload.cleaned_data["files"]]
        target = upload.cleaned_data
        report = registry_import(team=target["team"], files=files, user=request.user, asset=target["asset"])
    return _page(
        request, teams=teams, upload=upload, fetch=RegistryFetchForm(teams=teams, prefix="fetch"), report=report
    )


@login_required
@require_POST
@vary_on_headers("HX-Request")
def registry_fetch(request: HtmxHttpRequest) -> HttpResponse:
    teams = editable_teams(request.user)
    fetch = RegistryFetchForm(request.POST, teams=teams, prefix="fetch")
    report = None
    if fetch.is_valid():
        target = fetch.cleaned_data
        try:
            record = ctgov_fetch(target["nct_id"])
        except RegistryFetchError as error:
            fetch.add_error(None, str(error))
        else:
            files = [record.as_file()]
            report = registry_import(team=target["team"], files=files, user=request.user, asset=target["asset"])
    return _page(request, teams=teams, upload=RegistryUploadForm(teams=teams), fetch=fetch, report=report)


def editable_teams(user: User | AnonymousUser) -> QuerySet[DealTeam]:
    """The teams where the user may add studies (members and leads): the only targets offered or accepted."""
    return access.teams_editable_by(user)


def _uploaded(file: UploadedFile) -> RegistryFile:
    name = file.name or "upload"
    return RegistryFile(name=name, size=file.size or 0, read=file.read, source=name)


def _page(
    request: HtmxHttpRequest,
    *,
    teams: QuerySet[DealTeam],
    upload: RegistryUploadForm,
    fetch: RegistryFetchForm,
    report: ImportReport | None,
) -> HttpResponse:
    """The whole page, or for htmx the panel alone (forms and results), which htmx swaps in place."""
    context = {"has_teams": teams.exists(), "upload": upload, "fetch": fetch, "report": report}
    refused = any(form.is_bound and not form.is_valid() for form in (upload, fetch))
    # htmx swaps only 2xx answers, so it gets the form errors with 200; a plain form post gets 400.
    status = 400 if refused and not request.htmx else 200
    template = "assets/registry_import.html#panel" if request.htmx else "assets/registry_import.html"
    return render(request, template, context, status=status)

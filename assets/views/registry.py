"""Registry import in the browser: upload record files, or fetch one study from ClinicalTrials.gov, into a team.

Both answer at once with the job's status, which polls until a worker has imported (or fetched) every file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from assets.jobs.services import import_job_create
from assets.models import ImportJob
from assets.registry.forms import RegistryFetchForm, RegistryUploadForm
from assets.views.imports import job_context
from teams import access
from teams.http import HtmxHttpRequest
from teams.models import DealTeam

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from teams.models import User


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def registry_import_page(request: HtmxHttpRequest) -> HttpResponse:
    teams = editable_teams(request.user)
    upload = RegistryUploadForm(request.POST or None, request.FILES or None, teams=teams)
    job = None
    if request.method == "POST" and upload.is_valid():
        target = upload.cleaned_data
        job = import_job_create(
            team=target["team"],
            kind=ImportJob.Kind.REGISTRY,
            user=request.user,
            uploads=target["files"],
            asset=target["asset"],
        )
    return _page(request, teams=teams, upload=upload, fetch=RegistryFetchForm(teams=teams, prefix="fetch"), job=job)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def registry_fetch(request: HtmxHttpRequest) -> HttpResponse:
    teams = editable_teams(request.user)
    fetch = RegistryFetchForm(request.POST, teams=teams, prefix="fetch")
    job = None
    if fetch.is_valid():  # the worker fetches: ClinicalTrials.gov's answer time is never the request's
        target = fetch.cleaned_data
        job = import_job_create(
            team=target["team"],
            kind=ImportJob.Kind.FETCH,
            user=request.user,
            nct_id=target["nct_id"],
            asset=target["asset"],
        )
    return _page(request, teams=teams, upload=RegistryUploadForm(teams=teams), fetch=fetch, job=job)


def editable_teams(user: User | AnonymousUser) -> QuerySet[DealTeam]:
    """The teams where the user may add studies (members and leads): the only targets offered or accepted."""
    return access.teams_editable_by(user)


def _page(
    request: HtmxHttpRequest,
    *,
    teams: QuerySet[DealTeam],
    upload: RegistryUploadForm,
    fetch: RegistryFetchForm,
    job: ImportJob | None,
) -> HttpResponse:
    """The whole page, or for htmx the panel alone (forms and the job's status), which htmx swaps in place."""
    context = {"has_teams": teams.exists(), "upload": upload, "fetch": fetch, **(job_context(job) if job else {})}
    refused = any(form.is_bound and not form.is_valid() for form in (upload, fetch))
    # htmx swaps only 2xx answers, so it gets the form errors with 200; a plain form post gets 400.
    status = 400 if refused and not request.htmx else 200
    template = "assets/registry_import.html#panel" if request.htmx else "assets/registry_import.html"
    return render(request, template, context, status=status)

"""An import job in the browser: its status partial, which htmx polls until the job is done, then its result lines."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from assets.access import import_job_access
from assets.jobs.lines import results_summary
from assets.jobs.services import resume_expected_at
from assets.models import ImportJob
from teams.http import HtmxHttpRequest

STATUS_PARTIAL = "assets/import_job.html#job-status"


def job_context(job: ImportJob) -> dict[str, Any]:
    """What the status partial shows: the job, its summary so far, and when a stalled job would be resumed."""
    return {"job": job, "summary": results_summary(job.results), "resume_at": resume_expected_at(job)}


@login_required
@require_GET
@vary_on_headers("HX-Request")
def import_job_status(request: HtmxHttpRequest, import_job_id: int) -> HttpResponse:
    """The page of one import job; for htmx the status alone, and polling stops (HTTP 286) once it has finished."""
    job = import_job_access(request, import_job_id)
    if not request.htmx:
        return render(request, "assets/import_job.html", job_context(job))
    response = render(request, STATUS_PARTIAL, job_context(job))
    if job.is_finished:
        stopped = HttpResponseStopPolling(response.content)
        stopped["Content-Type"] = response["Content-Type"]
        return stopped
    return response

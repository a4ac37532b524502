"""An import job in the browser: its status partial, which htmx polls until the job is done or waits for a person;
the preview of a registry import with its Confirm and Cancel buttons; then its result lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from assets.access import import_job_access
from assets.jobs.lines import results_summary
from assets.jobs.services import ImportJobConflict, import_job_cancel, import_job_confirm, resume_expected_at
from assets.models import ImportJob
from teams.http import HtmxHttpRequest

STATUS_PARTIAL = "assets/import_job.html#job-status"


def job_context(job: ImportJob) -> dict[str, Any]:
    """What the status partial shows: the job, its summary so far, and when a stalled job would be resumed."""
    expiry_days = settings.DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS
    return {
        "job": job,
        "summary": results_summary(job.results),
        "resume_at": resume_expected_at(job),
        "expiry_days": expiry_days,
        "expires_at": job.previewed_at + dt.timedelta(days=expiry_days) if job.previewed_at else None,
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def import_job_status(request: HtmxHttpRequest, import_job_id: int) -> HttpResponse:
    """The page of one import job; for htmx the status alone, and polling stops (HTTP 286) once the job has
    finished or waits for a person to confirm its preview."""
    job = import_job_access(request, import_job_id)
    if not request.htmx:
        return render(request, "assets/import_job.html", job_context(job))
    response = render(request, STATUS_PARTIAL, job_context(job))
    if not job.polls:
        stopped = HttpResponseStopPolling(response.content)
        stopped["Content-Type"] = response["Content-Type"]
        return stopped
    return response


@login_required
@require_POST
def import_job_confirm_edit(request: HtmxHttpRequest, import_job_id: int) -> HttpResponse:
    """Confirm a preview: the import it showed is queued. Any member or lead of the team may; only once (409)."""
    return _decide(request, import_job_id, import_job_confirm, "Import confirmed: a worker is importing it now.")


@login_required
@require_POST
def import_job_cancel_edit(request: HtmxHttpRequest, import_job_id: int) -> HttpResponse:
    """Cancel an import before it writes anything: the job ends and its stored files are deleted."""
    return _decide(request, import_job_id, import_job_cancel, "Import cancelled: nothing was imported.")


def _decide(request: HtmxHttpRequest, import_job_id: int, decide: Any, said: str) -> HttpResponse:
    job = import_job_access(request, import_job_id)
    try:
        job = decide(job=job, user=request.user)
    except ImportJobConflict as conflict:
        return render(request, "assets/import_job.html", job_context(job) | {"conflict": str(conflict)}, status=409)
    messages.success(request, said)
    return redirect("assets:import_job_status", import_job_id=job.pk)

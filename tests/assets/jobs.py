"""Import jobs in view tests: run the job a request started as a worker runs it (the service the task calls, in
this process), then read its status as the page's polling does. A registry or fetch job is previewed first and
waits; ``run_and_poll`` confirms it through the page's Confirm button, as a member would, and runs the import.
Tests that need a real worker use tests.workers."""

from __future__ import annotations

import re

from django.test import Client, TestCase
from django.urls import reverse

from assets.jobs.services import import_job_run
from assets.models import ImportJob

_STATUS_URL = re.compile(r'hx-get="/imports/(\d+)/"')


def started_job(response) -> ImportJob:
    """The job whose polling status the response carries."""
    match = _STATUS_URL.search(response.content.decode())
    assert match, "the response carries no polling job status"
    return ImportJob.objects.get(pk=int(match.group(1)))


def run_job(job: ImportJob) -> ImportJob:
    """One run of the job by a worker, what it does once committed (deleting stored uploads) included."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert import_job_run(job_id=job.pk)
    return ImportJob.objects.get(pk=job.pk)


def preview_and_poll(client: Client, response) -> tuple[ImportJob, str]:
    """The job the response started, previewed; its status as htmx then gets it (polling stops while it waits)."""
    job = run_job(started_job(response))
    polled = client.get(reverse("assets:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286
    return job, polled.content.decode()


def run_and_poll(client: Client, response) -> str:
    """The job the response started, previewed, confirmed (when it waits for it) and imported; its finished status
    as htmx gets it (HTTP 286 stops the polling)."""
    job = started_job(response)
    if job.status == ImportJob.Status.QUEUED:  # not yet previewed (a dossier job: not yet imported)
        job = run_job(job)
    if job.status == ImportJob.Status.AWAITING:
        confirmed = client.post(reverse("assets:import_job_confirm_edit", args=[job.pk]))
        assert confirmed.status_code == 302, confirmed.content.decode()
        job = run_job(job)
    assert job.is_finished
    polled = client.get(reverse("assets:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286
    return polled.content.decode()

"""Import jobs in view tests: run the job a request started as a worker runs it (the service the task calls, in
this process), then read its status as the page's polling does. Tests that need a real worker use tests.workers."""

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


def run_and_poll(client: Client, response) -> str:
    """The job the response started, imported; its finished status as htmx gets it (HTTP 286 stops the polling)."""
    job = started_job(response)
    # What the job does once its transactions commit (deleting the stored uploads) runs as it would in a worker.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert import_job_run(job_id=job.pk)
    polled = client.get(reverse("assets:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert polled.status_code == 286
    return polled.content.decode()

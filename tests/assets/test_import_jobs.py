"""The import job's life in one process: one claim per job, a claim taken over writes nothing more, a long job is
handed on between files, and the sweep sends again what a lost message or a dead worker left."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from assets.jobs import services as jobs
from assets.models import ImportJob, Study
from config.celery import app as celery_app
from tests.fixtures import REGISTRY

pytestmark = pytest.mark.django_db


def registry_job(world, *names: str) -> ImportJob:
    uploads = [SimpleUploadedFile(name, (REGISTRY / name).read_bytes()) for name in names]
    return jobs.import_job_create(team=world.phoenix, kind=ImportJob.Kind.REGISTRY, user=world.member, uploads=uploads)


def test_the_task_names_the_jobs_send_are_registered_tasks():
    celery_app.autodiscover_tasks(force=True)
    assert {jobs.IMPORT_JOB_RUN, jobs.IMPORT_JOB_SWEEP} <= set(celery_app.tasks)


def previewed_and_confirmed(job: ImportJob) -> ImportJob:
    """The job's preview run, then confirmed by the member who started it: queued again, to import."""
    assert jobs.import_job_run(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == ImportJob.Status.AWAITING and not Study.objects.exists()
    assert job.requested_by is not None
    return jobs.import_job_confirm(job=job, user=job.requested_by)


def test_a_job_is_claimed_once_and_a_second_run_finds_nothing_to_do(world):
    job = registry_job(world, "NCT00973089.json")
    assert jobs.import_job_run(job_id=job.pk) is True  # the preview
    assert jobs.import_job_run(job_id=job.pk) is False  # a redelivered message: the job waits for a person
    assert jobs.import_job_confirm(job=job, user=world.member).status == "queued"
    assert jobs.import_job_run(job_id=job.pk) is True
    assert jobs.import_job_run(job_id=job.pk) is False  # a redelivered message
    job.refresh_from_db()
    assert (job.status, job.files_done, job.attempts) == ("done", 1, 2)
    assert Study.objects.count() == 1


def test_a_job_past_its_time_budget_is_handed_on_between_files_and_ends_with_every_line(world):
    job = previewed_and_confirmed(registry_job(world, "NCT00973089.json", "ctgov_search.json", "chictr_ictrp.xml"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        jobs.import_job_run(job_id=job.pk, budget_seconds=0)  # one file, then the rest goes back to the queue
    job.refresh_from_db()
    assert (job.status, job.files_done, [line["name"] for line in job.results]) == ("queued", 1, ["NCT00973089.json"])
    assert job.enqueued_at is not None  # sent again once committed
    while jobs.import_job_run(job_id=job.pk, budget_seconds=0):
        pass
    job.refresh_from_db()
    assert (job.status, job.files_done, job.attempts) == ("done", 3, 4)  # the preview's claim, then three
    assert [line["summary"] for line in job.results[:2]] == ["1 created", "3 created"]


def test_a_claim_the_sweep_took_over_writes_nothing_more(world):
    job = registry_job(world, "NCT00973089.json")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=1)
    # The first worker's claim (attempt 1) is taken over by a resumed run (attempt 2) before it writes its file.
    ImportJob.objects.filter(pk=job.pk).update(attempts=2)
    assert jobs._import_file(ImportJob.objects.get(pk=job.pk), 0, 1, {}) is False
    assert not Study.objects.exists() and ImportJob.objects.get(pk=job.pk).results == []


def test_the_sweep_sends_again_a_job_never_handed_to_the_broker_and_leaves_a_fresh_one(world):
    waiting = registry_job(world, "NCT00973089.json")  # its on_commit send never ran: the broker "was down"
    fresh = registry_job(world, "NCT00973089.json")
    ImportJob.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    with TestCase.captureOnCommitCallbacks():
        resent = jobs.import_job_sweep(stuck_after=600)
    assert resent == [waiting.pk]
    assert ImportJob.objects.get(pk=waiting.pk).enqueued_at is not None
    assert ImportJob.objects.get(pk=fresh.pk).enqueued_at is None


def test_an_asset_of_another_team_is_refused_before_anything_is_stored(world):
    from tests.factories import AssetFactory

    with pytest.raises(Exception, match="another team"):
        jobs.import_job_create(
            team=world.phoenix, kind=ImportJob.Kind.REGISTRY, user=world.member, asset=AssetFactory(team=world.atlas)
        )
    assert not ImportJob.objects.exists()


def test_the_status_page_runs_the_same_queries_for_2_and_50_result_lines(world, client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    def line(index: int) -> dict:
        study: dict[str, object] = {
            "registry_id": f"NCT0{index:07d}",
            "url": "/studies/1/",
            "title": "T",
            "status": "created",
        }
        study |= {"changed": [], "replaced": None, "sponsor_type": "IIT", "sponsor_type_reason": "", "flags": []}
        study |= {"classification_kept": False, "sites": {"total": 1, "china": 1, "added": 1, "unlisted": []}}
        return {"name": f"f{index}.json", "ok": True, "summary": "1 created", "studies": [study]}

    client = client_as("member")
    counts = []
    for size in (2, 50):
        job = ImportJob.objects.create(
            team=world.phoenix, kind="registry", status="done", files_total=size, files_done=size,
            results=[line(index) for index in range(size)],
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("assets:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == 286 and response.content.decode().count("<li data-file-result") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]

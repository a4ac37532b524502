"""Import jobs through real Celery worker processes: the job previewed (nothing written) and waiting, then confirmed
and imported file by file with its result lines, a bad file among good ones, and a worker killed between two files
whose job is resumed from the first unfinished one."""

from __future__ import annotations

import os
import signal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assets.jobs.services import import_job_confirm, import_job_create, import_job_sweep
from assets.models import Hospital, ImportJob, Study
from tests.fixtures import REGISTRY
from tests.workers import purge_task_queues, running_worker, start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

IMPORT_TIMEOUT = 120


def upload(name: str, raw: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (REGISTRY / name).read_bytes() if raw is None else raw)


def job_now(job: ImportJob) -> ImportJob:
    return ImportJob.objects.get(pk=job.pk)


def awaiting(job: ImportJob) -> ImportJob:
    """The job once the worker has stored its preview and waits for a person."""
    wait_for(lambda: job_now(job).status != "queued" and not job_now(job).polls, timeout=IMPORT_TIMEOUT,
             what="the import's preview")  # fmt: skip
    return job_now(job)


def test_a_worker_imports_each_file_in_turn_and_refuses_the_bad_one_alone(world):
    bad = (REGISTRY / "NCT00973089.json").read_bytes().replace(b'"briefTitle": "', b'"briefTitle": "\\u0000', 1)
    files = [upload("NCT00973089.json"), upload("bad.json", bad), upload("ctgov_search.json")]
    with running_worker(queues="default", import_pause=1) as (_process, hostname):
        job = import_job_create(team=world.phoenix, kind=ImportJob.Kind.REGISTRY, user=world.member, uploads=files)
        previewed = awaiting(job)
        # The worker tried the whole job and wrote nothing: the preview says what each file would do.
        assert previewed.status == "awaiting" and not Study.objects.exists() and previewed.results == []
        assert previewed.preview is not None and previewed.attempts == 1
        assert [(line["name"], line["ok"]) for line in previewed.preview["files"]] == [
            ("NCT00973089.json", True), ("bad.json", False), ("ctgov_search.json", True),
        ]  # fmt: skip
        assert previewed.preview["summary"] == "4 created, 0 updated, 0 unchanged; 1 file failed."
        assert previewed.preview["findings"] == []  # onto no asset: no asset's findings move
        assert [w["kind"] for w in previewed.preview["warnings"]] == ["status"]  # NCT00973089 was withdrawn
        import_job_confirm(job=previewed, user=world.lead)
        seen = set()  # (files done, result lines) as the page's polling read them

        def polled() -> bool:
            current = job_now(job)
            seen.add((current.files_done, len(current.results)))
            return current.is_finished

        wait_for(polled, timeout=IMPORT_TIMEOUT, what="the import job to finish")
    job.refresh_from_db()
    assert (job.status, job.files_done, job.files_total, job.error) == ("done", 3, 3, "")
    assert job.worker == hostname and job.attempts == 2 and job.confirmed_by == world.lead  # preview, then import
    assert {done for done, _lines in seen} >= {1, 2}, seen  # the progress moved file by file
    assert all(done == lines for done, lines in seen)  # each file's line came with it, never ahead nor behind
    names_and_results = [(line["name"], line["ok"], line["summary"]) for line in job.results]
    assert names_and_results[0] == ("NCT00973089.json", True, "1 created")
    assert names_and_results[1][:2] == ("bad.json", False)
    assert "NUL character" in job.results[1]["message"] and "nothing from it was written" in job.results[1]["summary"]
    assert names_and_results[2] == ("ctgov_search.json", True, "3 created")
    # Nothing is written that the lines do not list: the studies are exactly those of the good files' lines.
    listed = {study["registry_id"] for line in job.results for study in line["studies"]}
    assert set(Study.objects.filter(team=world.phoenix).values_list("nct_id", flat=True)) == listed
    assert len(listed) == 4
    assert not any(default_storage.exists(stored["path"]) for stored in job.uploads)


def test_a_worker_killed_between_files_leaves_a_job_the_sweep_resumes_from_the_first_unfinished_file(world):
    files = [upload("NCT00973089.json"), upload("ctgov_search.json"), upload("chictr_ictrp.xml")]
    purge_task_queues()
    slow = start_worker(queues="default", hostname="slow-import@localhost", import_pause=4)
    try:
        job = import_job_create(team=world.phoenix, kind=ImportJob.Kind.REGISTRY, user=world.lead, uploads=files)
        import_job_confirm(job=awaiting(job), user=world.lead)
        wait_for(lambda: job_now(job).files_done == 1, timeout=IMPORT_TIMEOUT, what="the first file to be imported")
        os.killpg(slow.pid, signal.SIGKILL)  # during the second file's pause: its transaction dies with it
        slow.wait(timeout=20)
    finally:
        if slow.poll() is None:
            os.killpg(slow.pid, signal.SIGKILL)
    stalled = job_now(job)
    assert (stalled.status, stalled.files_done, len(stalled.results)) == ("running", 1, 1)
    assert list(Study.objects.values_list("nct_id", flat=True)) == ["NCT00973089"]  # the second file wrote nothing
    hospitals = Hospital.objects.count()

    with running_worker(queues="default"):
        # What Celery beat's sweep does once a task's hard time limit has passed with no progress (here: at once).
        assert import_job_sweep(stuck_after=0) == [job.pk]
        wait_for(lambda: job_now(job).is_finished, timeout=IMPORT_TIMEOUT, what="the resumed job to finish")
    job.refresh_from_db()
    assert (job.status, job.files_done, job.attempts, job.interruptions) == ("done", 3, 3, 1)
    assert [line["name"] for line in job.results] == ["NCT00973089.json", "ctgov_search.json", "chictr_ictrp.xml"]
    assert [line["summary"] for line in job.results[:2]] == ["1 created", "3 created"]
    assert Study.objects.filter(team=world.phoenix).count() == 1 + 3 + len(job.results[2]["studies"])
    assert Hospital.objects.count() > hospitals


def test_the_sweep_gives_up_a_job_stopped_too_often_and_says_where(world, settings):
    settings.DILIGENCE_IMPORT_MAX_ATTEMPTS = 1
    job, preview = (
        ImportJob.objects.create(
            team=world.phoenix, kind=ImportJob.Kind.REGISTRY, status=ImportJob.Status.RUNNING, files_total=2,
            attempts=1, confirmed_at=confirmed,
        )
        for confirmed in (timezone.now(), None)
    )  # fmt: skip
    ImportJob.objects.filter(pk__in=[job.pk, preview.pk]).update(progressed_at=job.created_at)

    assert import_job_sweep(stuck_after=0) == []

    job.refresh_from_db()
    preview.refresh_from_db()
    assert (
        job.status == "failed"
        and job.error == "its worker stopped 1 time, the last at file 1 of 2; the import was given up"
    )
    assert preview.status == "failed"
    assert (
        preview.error == "its worker stopped 1 time, the last while trying it for its preview; the import was given up"
    )

"""Celery tasks of the facts: thin wrappers that pass ids to services. The ImportJob row is the truth about each job."""

from __future__ import annotations

from celery import shared_task

from assets.jobs import services as jobs
from assets.registry import watch
from assets.registry.fetch import RegistryFetchError
from teams.task_options import DATABASE_ROW_JOB


@shared_task(
    name=jobs.IMPORT_JOB_RUN,
    **DATABASE_ROW_JOB,
)
def import_job_run(self, job_id: int) -> None:
    """Idempotent: a redelivered task finds the job claimed or done and returns."""
    jobs.import_job_run(job_id=job_id, worker=self.request.hostname or "worker")


@shared_task(name=jobs.IMPORT_JOB_SWEEP, acks_late=True)
def import_job_sweep() -> list[int]:
    """Run by Celery beat: resume jobs whose worker died, send again those whose message was lost, and end previews
    left unconfirmed too long."""
    jobs.import_previews_expire()
    return jobs.import_job_sweep()


@shared_task(name=watch.WATCH_CHECK, bind=True, acks_late=True, max_retries=None)
def registry_watch_check(self, study_id: int) -> str:
    """One watched record. A passing failure (429, 5xx, a timeout) is recorded and retried with backoff."""
    try:
        return watch.registry_watch_check(study_id=study_id)
    except RegistryFetchError as error:
        delay = watch.registry_watch_failed(study_id=study_id, error=error, attempt=self.request.retries)
        if delay is None:
            return f"failed: {error}"
        raise self.retry(countdown=delay) from None


@shared_task(name=watch.WATCH_SWEEP, acks_late=True)
def registry_watch_sweep() -> list[int]:
    """Run by Celery beat: hand every watched record whose check is due to a worker."""
    return watch.registry_watch_sweep()

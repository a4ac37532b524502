"""Import jobs: created by a request, previewed by a worker, confirmed by a person, imported file by file by a
worker, swept when a worker died or a preview waited too long.

The ImportJob row is the job's truth. A worker claims it with a conditional update (queued -> running, a new
attempt number). A registry or fetch job is first tried whole as a dry run (``assets.dry_run``: the same file by
file import, its findings recomputed, everything rolled back); its preview is stored and the job waits (awaiting)
until a member confirms it (queued again, to import) or cancels it. A confirmed job, and a dossier job, imports each
file in one transaction with the job row locked, which appends the file's result line and counts it done, so
progress is real and a resumed job starts at the first file with no line. A claim that is no longer the job's
current one (the sweep gave the job to another worker, or a member cancelled it) writes nothing more.

    queued -> running -> awaiting -> (confirmed) queued -> running -> done | failed
                                  -> cancelled | expired (the sweep, after DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS)
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from assets.dossier import DossierError, DossierProblem, dossier_import, dossier_loads
from assets.dry_run import dry_run
from assets.jobs.lines import dossier_line, dossier_refused_line, registry_line, registry_refused_line
from assets.jobs.preview import preview_build
from assets.models import Asset, ImportJob
from assets.models.imports import PREVIEWED_KINDS
from assets.registry import (
    FetchedRecord,
    RegistryFetchError,
    RegistryFile,
    ctgov_fetch,
    mark_replaced,
    registry_import_file,
)
from assets.registry.errors import RecordProblem

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from teams.models import DealTeam, User

logger = logging.getLogger(__name__)

# The tasks in assets.tasks, sent by name so this module does not import them (they call back into it).
IMPORT_JOB_RUN = "assets.tasks.import_job_run"
IMPORT_JOB_SWEEP = "assets.tasks.import_job_sweep"
UPLOAD_FOLDER = "imports"
GONE = "the uploaded file is no longer stored; upload it again"


class ImportJobConflict(Exception):
    """The job is past the step asked for (confirmed, cancelled, expired or done): the message says where it is."""


def _enqueue(job_id: int) -> None:
    current_app.send_task(IMPORT_JOB_RUN, args=[job_id])
    ImportJob.objects.filter(pk=job_id).update(enqueued_at=timezone.now())  # only once the broker has it


def import_job_create(
    *,
    team: DealTeam,
    kind: str,
    user: User | None,
    uploads: Iterable[UploadedFile] = (),
    asset: Asset | None = None,
    nct_id: str = "",
) -> ImportJob:
    """Store the uploads where every worker reads them, write the job as queued, and send it once committed."""
    if asset is not None and asset.team_id != team.pk:
        raise ValidationError({"asset": "The asset belongs to another team."})
    folder = _new_folder()
    stored: list[dict[str, Any]] = []
    try:
        for index, upload in enumerate(uploads):
            # The stored name is ours (a number); the name a person gave the file is only ever shown.
            path = default_storage.save(f"{folder}/{index}", upload)
            stored.append({"name": upload.name or f"file {index + 1}", "path": path, "size": upload.size or 0})
        with transaction.atomic():
            job = ImportJob.objects.create(
                team=team,
                asset=asset,
                kind=kind,
                requested_by=user,
                nct_id=nct_id,
                uploads=stored,
                files_total=1 if kind == ImportJob.Kind.FETCH else len(stored),
            )
            # robust: with the broker down the job is still saved and the request answered; the sweep sends it.
            transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    except BaseException:
        _delete_uploads(stored)
        raise
    return job


def _new_folder() -> str:
    return f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}"


def _claim(job_id: int, worker: str) -> int | None:
    """queued -> running for exactly one worker: the attempt number it holds the job by, or None."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
        if job is None:
            return None
        now = timezone.now()
        job.status, job.worker, job.attempts = ImportJob.Status.RUNNING, worker[:200], job.attempts + 1
        job.started_at, job.progressed_at = job.started_at or now, now
        job.save(update_fields=["status", "worker", "attempts", "started_at", "progressed_at"])
        return job.attempts


def _held(job_id: int, attempt: int) -> Q:
    return Q(pk=job_id, status=ImportJob.Status.RUNNING, attempts=attempt)


def import_job_run(*, job_id: int, worker: str = "inline", budget_seconds: float | None = None) -> bool:
    """Import the job's files from the first one not done. Returns False when there was nothing to claim.

    After ``budget_seconds`` (between files) the job goes back to the queue and is sent again, so no single task
    approaches the worker's time limits however many files there are. A database error puts the job back in the
    queue and is re-raised for the task's retry."""
    attempt = _claim(job_id, worker)
    if attempt is None:
        return False
    budget = settings.DILIGENCE_IMPORT_TASK_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    try:
        job = ImportJob.objects.select_related("team", "asset", "requested_by").get(pk=job_id)
        if job.is_previewing:
            _preview(job, attempt)
            return True
        seen = _registry_ids_seen(job.results)
        for index in range(job.files_done, job.files_total):
            if index > job.files_done and time.monotonic() - started > budget:
                _continue_later(job_id, attempt)
                return True
            if not _import_file(job, index, attempt, seen):
                return True  # the job was given to another worker meanwhile; its run wins
        _finish(job_id, attempt)
    except DatabaseError:
        ImportJob.objects.filter(_held(job_id, attempt)).update(status=ImportJob.Status.QUEUED)
        raise
    except Exception as error:  # a bug, not a file's fault (each file's own errors are its result line)
        logger.exception("import job %s failed", job_id)
        _finish(job_id, attempt, error=f"{type(error).__name__}: {error}")
    return True


def _import_file(job: ImportJob, index: int, attempt: int, seen: dict[str, str]) -> bool:
    """One file in one transaction with its result line; False if the claim is no longer the job's."""
    with transaction.atomic():
        if not ImportJob.objects.select_for_update().filter(_held(job.pk, attempt), files_done=index).exists():
            return False
        line = _write(job, index, seen)
        ImportJob.objects.filter(pk=job.pk).update(
            files_done=F("files_done") + 1, progressed_at=timezone.now(), results=[*job.results, line]
        )
        job.results.append(line)
    return True


def _preview(job: ImportJob, attempt: int) -> None:
    """Try the whole job as a dry run and store what it would do; the job then waits for a person. A job that would
    write nothing (every study unchanged, or every file refused) ends here, its preview's lines its result.

    One dry run holds every file, so a later file's preview sees what the earlier ones would have written (two
    files on one asset, one record twice), as the import will. A fetch job fetches first (the network, outside any
    transaction) and keeps the record with its uploads: the import writes what was previewed, never a second fetch."""
    if job.kind == ImportJob.Kind.FETCH and not job.uploads:
        fetched = _fetch(job)
        if isinstance(fetched, dict):
            _preview_store(job, attempt, preview_build(lines=[fetched], effects=[]))
            return
        if not _keep_fetched(job, attempt, fetched):
            return
    seen: dict[str, str] = {}
    lines, tried = dry_run(lambda: [_write(job, index, seen, tried=True) for index in range(job.files_total)])
    _preview_store(job, attempt, preview_build(lines=lines, effects=tried.effects))


def _fetch(job: ImportJob) -> FetchedRecord | dict[str, Any]:
    """The fetched record, or the refused line saying why it could not be fetched."""
    try:
        return ctgov_fetch(job.nct_id)
    except RegistryFetchError as error:
        return registry_refused_line(f"{job.nct_id}.json", str(error))


def _keep_fetched(job: ImportJob, attempt: int, record: FetchedRecord) -> bool:
    """Store the fetched record as the job's one upload; False (and nothing kept) if the claim was lost meanwhile."""
    name = f"{record.nct_id}.json"
    path = default_storage.save(f"{_new_folder()}/0", ContentFile(record.raw, name=name))
    upload = {"name": name, "path": path, "size": len(record.raw), "source": record.url}
    upload["retrieved_at"] = record.retrieved_at.isoformat()
    if not ImportJob.objects.filter(_held(job.pk, attempt)).update(uploads=[upload]):
        default_storage.delete(path)
        return False
    job.uploads = [upload]
    return True


def _preview_store(job: ImportJob, attempt: int, preview: dict[str, Any]) -> None:
    with transaction.atomic():
        held = ImportJob.objects.select_for_update().filter(_held(job.pk, attempt)).first()
        if held is None:
            return  # cancelled, or given to another worker, meanwhile
        now = timezone.now()
        held.preview, held.previewed_at, held.progressed_at = preview, now, now
        if preview["writes"]:
            held.status = ImportJob.Status.AWAITING
        else:
            held.status, held.finished_at = ImportJob.Status.DONE, now
            held.results, held.files_done = preview["files"], held.files_total
            uploads = list(held.uploads)
            transaction.on_commit(lambda: _delete_uploads(uploads), robust=True)
        held.save()


def import_job_confirm(*, job: ImportJob, user: User) -> ImportJob:
    """The member confirms the preview: the job is queued again, now to import what was previewed."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.AWAITING:
            raise ImportJobConflict(_not_awaiting(locked, "confirmed"))
        now = timezone.now()
        locked.status, locked.confirmed_at, locked.confirmed_by = ImportJob.Status.QUEUED, now, user
        locked.enqueued_at, locked.progressed_at, locked.interruptions = None, now, 0
        locked.save()
        transaction.on_commit(lambda: _enqueue(locked.pk), robust=True)
    return locked


def import_job_cancel(*, job: ImportJob, user: User) -> ImportJob:
    """The member cancels before the import: nothing is imported, and the stored uploads are deleted."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not (locked.status == ImportJob.Status.AWAITING or locked.is_previewing):
            raise ImportJobConflict(_not_awaiting(locked, "cancelled"))
        locked.status, locked.finished_at, locked.cancelled_by = ImportJob.Status.CANCELLED, timezone.now(), user
        locked.save()
        uploads = list(locked.uploads)
        transaction.on_commit(lambda: _delete_uploads(uploads), robust=True)
    return locked


def _not_awaiting(job: ImportJob, step: str) -> str:
    said = {
        ImportJob.Status.CANCELLED: "it was cancelled",
        ImportJob.Status.EXPIRED: "its preview expired",
        ImportJob.Status.DONE: "it has finished",
        ImportJob.Status.FAILED: "it has stopped",
    }.get(ImportJob.Status(job.status))
    if said is None:
        said = "it was confirmed already" if job.confirmed_at else "its preview is not ready yet"
    return f"This import cannot be {step}: {said}. Nothing was changed."


def import_previews_expire(*, now: dt.datetime | None = None) -> list[int]:
    """End previews nobody confirmed within DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS, deleting their stored uploads."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS)
    expired = []
    stale = ImportJob.objects.filter(status=ImportJob.Status.AWAITING, previewed_at__lt=cutoff)
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportJob.Status.AWAITING).first()
            if job is None:
                continue  # confirmed or cancelled meanwhile
            job.status, job.finished_at = ImportJob.Status.EXPIRED, timezone.now()
            job.save(update_fields=["status", "finished_at"])
            uploads = list(job.uploads)
            transaction.on_commit(partial(_delete_uploads, uploads), robust=True)
        expired.append(job_id)
    return expired


def _write(job: ImportJob, index: int, seen: dict[str, str], *, tried: bool = False) -> dict[str, Any]:
    """One file's import and its result line (``tried``: inside the preview's dry run)."""
    if job.kind == ImportJob.Kind.DOSSIER:
        return _write_dossier(job, job.uploads[index])
    file = _stored_file(job.uploads[index])
    outcome = registry_import_file(team=job.team, file=file, user=job.requested_by, asset=job.asset)
    mark_replaced(outcome, seen=seen)
    return registry_line(outcome, tried=tried)


def _write_dossier(job: ImportJob, upload: dict[str, Any]) -> dict[str, Any]:
    try:
        document = dossier_loads(_stored_bytes(upload["path"]))
        result = dossier_import(team=job.team, document=document, user=job.requested_by)
    except DossierError as error:
        return dossier_refused_line(upload["name"], error.problems)
    except FileNotFoundError:
        return dossier_refused_line(upload["name"], [DossierProblem("$", GONE)])
    return dossier_line(upload["name"], result)


def _stored_file(upload: dict[str, Any]) -> RegistryFile:
    def read() -> bytes:
        try:
            return _stored_bytes(upload["path"])
        except FileNotFoundError:
            raise RecordProblem("", GONE) from None

    retrieved = upload.get("retrieved_at")  # a fetched record: when ClinicalTrials.gov gave it, and from where
    return RegistryFile(
        name=upload["name"],
        size=int(upload["size"]),
        read=read,
        source=upload.get("source") or upload["name"],
        retrieved_at=dt.datetime.fromisoformat(retrieved) if retrieved else None,
    )


def _stored_bytes(path: str) -> bytes:
    with default_storage.open(path, "rb") as stored:
        return stored.read()


def _registry_ids_seen(lines: list[dict[str, Any]]) -> dict[str, str]:
    """What the files already done imported (registry id -> first file), so a resumed batch still says "replaced"."""
    seen: dict[str, str] = {}
    for line in lines:
        for study in line.get("studies", []):
            seen.setdefault(study["registry_id"], line["name"])
    return seen


def _continue_later(job_id: int, attempt: int) -> None:
    with transaction.atomic():
        if ImportJob.objects.filter(_held(job_id, attempt)).update(status=ImportJob.Status.QUEUED):
            transaction.on_commit(lambda: _enqueue(job_id), robust=True)


def _finish(job_id: int, attempt: int, *, error: str = "") -> None:
    """Done (or failed, with the error said); the stored uploads are deleted once that is committed."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(_held(job_id, attempt)).first()
        if job is None:
            return
        job.status = ImportJob.Status.FAILED if error else ImportJob.Status.DONE
        job.error, job.finished_at = error[:2000], timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        uploads = list(job.uploads)
        transaction.on_commit(lambda: _delete_uploads(uploads), robust=True)


def _delete_uploads(uploads: list[dict[str, Any]]) -> None:
    for upload in uploads:
        default_storage.delete(upload["path"])


def stuck_after_seconds() -> float:
    """A running job with no progress for this long has lost its worker: no task runs longer (the hard limit)."""
    return float(settings.CELERY_TASK_TIME_LIMIT + 30)


def import_job_sweep(*, stuck_after: float | None = None, now: dt.datetime | None = None) -> list[int]:
    """Resume jobs whose worker died (running with no progress past the hard time limit) and send again those whose
    message was lost (queued that long). A job stopped at the same file too often fails, saying where. Safe to run
    from many places at once: each change is a conditional update, and only one claim of a job succeeds."""
    limit = stuck_after_seconds() if stuck_after is None else stuck_after
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=limit)
    resent = []
    stuck = ImportJob.objects.filter(status=ImportJob.Status.RUNNING, progressed_at__lt=cutoff)
    for job_id, attempt, stops, done, total, kind, confirmed_at in stuck.values_list(
        "pk", "attempts", "interruptions", "files_done", "files_total", "kind", "confirmed_at"
    ):
        if stops + 1 >= settings.DILIGENCE_IMPORT_MAX_ATTEMPTS:
            times = f"{stops + 1} time{'s' if stops else ''}"
            # A preview is one dry run: a stopped worker left nothing of it, and the next one tries it from the start.
            previewing = kind in PREVIEWED_KINDS and confirmed_at is None
            where = "while trying it for its preview" if previewing else f"at file {done + 1} of {total}"
            message = f"its worker stopped {times}, the last {where}; the import was given up"
            _finish(job_id, attempt, error=message)
        elif ImportJob.objects.filter(_held(job_id, attempt), progressed_at__lt=cutoff).update(
            status=ImportJob.Status.QUEUED, interruptions=F("interruptions") + 1
        ):
            resent.append(job_id)
            _send(job_id)
    waiting = Q(enqueued_at__lt=cutoff) | Q(enqueued_at__isnull=True, created_at__lt=cutoff)
    for job_id in (
        ImportJob.objects.filter(waiting, status=ImportJob.Status.QUEUED)
        .exclude(pk__in=resent)
        .values_list("pk", flat=True)
    ):
        resent.append(job_id)
        _send(job_id)  # a duplicate message is harmless: only one claim succeeds
    return resent


def _send(job_id: int) -> None:
    try:
        _enqueue(job_id)
    except Exception:  # the broker is down: the next sweep tries again
        logger.warning("import job %s could not be sent to the queue", job_id)


def resume_expected_at(job: ImportJob) -> dt.datetime | None:
    """For a running job: when the sweep would resume it should its worker have stopped (at most a sweep later)."""
    if job.status != ImportJob.Status.RUNNING or job.progressed_at is None:
        return None
    sweep_every = float(str(settings.CELERY_BEAT_SCHEDULE["import-sweep"]["schedule"]))
    return job.progressed_at + dt.timedelta(seconds=stuck_after_seconds() + sweep_every)

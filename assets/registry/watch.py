"""The watch of linked ClinicalTrials.gov records: due checks handed to workers, one small request per unchanged
record, a changed record kept as a pending version with what changed and what it would do to the findings, and the
team's decision on it.

Celery beat runs ``registry_watch_sweep``: each watched study whose check is due (daily or weekly, as a lead set
for its asset) is claimed with a conditional update and its check sent to a worker. The check asks the API for the
record's ``lastUpdatePostDate`` alone; only when that moved is the full record fetched. A new version is compared
with the last accepted one and its import is tried in a dry run (``assets.dry_run``), so the team sees the findings
that would appear, disappear or change before a member accepts it (through the normal import) or keeps the old one.
ChiCTR records, which have no API, are watched by uploading them again: an import records its version as accepted.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from assets.dry_run import dry_run
from assets.models import Asset, RegistryRecordVersion, RegistryWatch, Study, StudyWatch
from assets.registry.errors import RecordProblem
from assets.registry.fetch import FetchedRecord, RegistryFetchError, ctgov_fetch, ctgov_last_update
from assets.registry.parse import parse_registry_file
from assets.registry.services import RegistryFile, registry_import_file
from assets.registry.versions import (
    canonical_record,
    last_accepted,
    last_update_posted,
    parsed_study,
    record_changes,
)
from assets.signals import registry_version_arrived, registry_version_decided

if TYPE_CHECKING:
    from teams.models import User

logger = logging.getLogger(__name__)

# The tasks in assets.tasks, sent by name (they call back into this module).
WATCH_CHECK = "assets.tasks.registry_watch_check"
WATCH_SWEEP = "assets.tasks.registry_watch_sweep"

INTERVALS: dict[str, dt.timedelta] = {
    RegistryWatch.Schedule.DAILY: dt.timedelta(days=1),
    RegistryWatch.Schedule.WEEKLY: dt.timedelta(days=7),
}
MAX_BACKOFF_SECONDS = 3600.0
Version = RegistryRecordVersion


class StaleDecision(Exception):
    """The decision was made on a page that no longer tells the truth: the version was decided meanwhile, or a
    newer version of the record arrived."""


class StaleSchedule(Exception):
    def __init__(self, current: RegistryWatch) -> None:
        super().__init__("The schedule was changed meanwhile.")
        self.current = current


# --- the schedule -------------------------------------------------------------------------------------------


def registry_watch_of(asset: Asset) -> RegistryWatch:
    """The asset's schedule (an unsaved daily one when no lead has set it)."""
    return RegistryWatch.objects.filter(asset=asset).first() or RegistryWatch(asset=asset, version=0)


@transaction.atomic
def registry_watch_schedule_set(*, asset: Asset, user: User, schedule: str, expected_version: int) -> RegistryWatch:
    """A lead's choice of how often the asset's records are checked; a choice made on a stale page is refused."""
    if schedule not in RegistryWatch.Schedule.values:
        raise ValidationError({"schedule": "Choose off, daily or weekly."})
    watch = RegistryWatch.objects.select_for_update().filter(asset=asset).first()
    if (watch.version if watch else 0) != expected_version:
        raise StaleSchedule(watch or RegistryWatch(asset=asset, version=0))
    if watch is None:
        watch = RegistryWatch.objects.create(asset=asset, schedule=schedule, updated_by=user)
    else:
        watch.schedule, watch.updated_by, watch.version = schedule, user, watch.version + 1
        watch.save(update_fields=["schedule", "updated_by", "version", "updated_at"])
    if schedule != RegistryWatch.Schedule.OFF:  # the new interval counts from now, not from the old one's end
        StudyWatch.objects.filter(study__asset=asset).update(next_check_at=None)
    return watch


# --- beat: hand due checks to workers -------------------------------------------------------------------------


def watched_studies() -> Q:
    """Studies linked to a ClinicalTrials.gov record by an import, on an asset whose watch is not off."""
    return (
        Q(asset__isnull=False)
        & ~Q(nct_id="")
        & ~Q(asset__registry_watch__schedule=RegistryWatch.Schedule.OFF)
        & Q(Exists(RegistryRecordVersion.objects.filter(study=OuterRef("pk"))))
    )


def registry_watch_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Send a check for every watched study whose next check is due, once: the claim (moving ``next_check_at`` on
    by the asset's interval) is a conditional update, so sweeps running at once never send a study twice."""
    now = now or timezone.now()
    due = Q(registry_watch_state__isnull=True) | Q(registry_watch_state__next_check_at__isnull=True)
    due |= Q(registry_watch_state__next_check_at__lte=now)
    rows = Study.objects.filter(watched_studies(), due).values_list("pk", "team_id", "asset__registry_watch__schedule")
    sent = []
    for study_id, team_id, schedule in rows:
        StudyWatch.objects.get_or_create(study_id=study_id, defaults={"team_id": team_id})
        interval = INTERVALS[schedule or RegistryWatch.Schedule.DAILY]
        claimed = StudyWatch.objects.filter(
            Q(next_check_at__isnull=True) | Q(next_check_at__lte=now), study_id=study_id
        ).update(next_check_at=now + interval, enqueued_at=now)
        if claimed:
            sent.append(study_id)
            _send(study_id)
    return sent


def registry_watch_check_now(*, study: Study, user: User) -> StudyWatch:
    """A member's "check now": the check goes to a worker once this commits; the request never waits on the API."""
    if not study.nct_id:
        message = "Only ClinicalTrials.gov records can be checked; a ChiCTR record is watched by uploading it again."
        raise ValidationError(message)
    if not RegistryRecordVersion.objects.filter(study=study).exists():
        raise ValidationError("This study was not imported from its registry record; import it first.")
    state, _created = StudyWatch.objects.get_or_create(study=study, defaults={"team_id": study.team_id})
    StudyWatch.objects.filter(pk=state.pk).update(enqueued_at=timezone.now())
    transaction.on_commit(lambda: _send(study.pk), robust=True)
    state.refresh_from_db()
    return state


def _send(study_id: int) -> None:
    try:
        current_app.send_task(WATCH_CHECK, args=[study_id])
    except Exception:  # the broker is down: the next sweep (or the next "check now") sends it
        logger.warning("registry watch check of study %s could not be sent to the queue", study_id)
        StudyWatch.objects.filter(study_id=study_id).update(next_check_at=None)


# --- a worker: one check ----------------------------------------------------------------------------------------


def registry_watch_check(*, study_id: int) -> str:
    """Ask ClinicalTrials.gov whether the study's record moved; fetch it only if so. Returns what happened.
    Raises RegistryFetchError (its ``transient`` says whether to try again) and records nothing of it: the task
    records the failure with its next attempt (``registry_watch_failed``)."""
    study = Study.objects.select_related("team").filter(pk=study_id).first()
    if study is None or not study.nct_id:
        return "not watched"
    state, _created = StudyWatch.objects.get_or_create(study=study, defaults={"team_id": study.team_id})
    known = (
        RegistryRecordVersion.objects.filter(study=study)
        .order_by("-pk")
        .values_list("last_update_posted", flat=True)
        .first()
    )
    _counted(state)
    posted = ctgov_last_update(study.nct_id)
    if posted and posted == known:
        return _checked(state, posted, f"unchanged since {posted}")
    _counted(state)
    fetched = ctgov_fetch(study.nct_id)
    return _checked(state, posted, _version_arrived(study, fetched))


def _counted(state: StudyWatch) -> None:
    StudyWatch.objects.filter(pk=state.pk).update(requests=F("requests") + 1)


def _checked(state: StudyWatch, posted: str, result: str) -> str:
    StudyWatch.objects.filter(pk=state.pk).update(
        last_checked_at=timezone.now(), last_update_posted=posted, last_result=result[:300], failures=0,
        next_attempt_at=None,
    )  # fmt: skip
    return result


def _version_arrived(study: Study, fetched: FetchedRecord) -> str:
    """The fetched record as a pending version, with its comparison and its dry-run effects; nothing when its
    content is a version the team has seen already."""
    try:
        records = parse_registry_file(fetched.raw)
    except RecordProblem as problem:
        return f"the record ClinicalTrials.gov sent cannot be read ({problem.message})"
    record = next((r for r in records if r.registry_id == study.registry_id), records[0])
    content_hash, document = canonical_record(record.raw)
    if RegistryRecordVersion.objects.filter(study=study, content_hash=content_hash).exists():
        return "a version seen before"
    accepted = last_accepted(study.pk)
    changes = record_changes(parsed_study(accepted.raw_record, accepted.registry_id) if accepted else None, record)
    raw = fetched.raw
    file = RegistryFile(
        name=f"{study.nct_id}.json", size=len(raw), read=lambda: raw, source=fetched.url,
        retrieved_at=fetched.retrieved_at, origin=Version.Origin.WATCH,
    )  # fmt: skip
    outcome, tried = dry_run(lambda: registry_import_file(team=study.team, file=file, user=None, asset=None))
    try:
        with transaction.atomic():
            version = RegistryRecordVersion.objects.create(
                team_id=study.team_id, study=study, registry_id=record.registry_id, raw_format=record.raw_format,
                raw_record=record.raw, content_hash=content_hash, origin=Version.Origin.WATCH,
                origin_detail=fetched.url[:300], retrieved_at=fetched.retrieved_at,
                last_update_posted=last_update_posted(document), status=Version.Status.PENDING, compared_with=accepted,
                changes=changes, effects=tried.effects,
            )  # fmt: skip
            registry_version_arrived.send(sender=RegistryRecordVersion, version=version)
    except IntegrityError:  # another check stored the same content first
        return "a version seen before"
    said = f"new version {version.number}: {len(changes)} field{'s' if len(changes) != 1 else ''} changed"
    if outcome.problem is not None:
        return f"{said}; it cannot be imported as it is ({outcome.problem.message})"
    return f"{said}, {len(tried.effects)} finding{'s' if len(tried.effects) != 1 else ''} would change"


def backoff_seconds(attempt: int, error: RegistryFetchError) -> float:
    """BACKOFF x 2^attempt, at most an hour, and never sooner than the API's Retry-After."""
    delay = min(float(settings.DILIGENCE_REGISTRY_WATCH_BACKOFF_SECONDS) * 2**attempt, MAX_BACKOFF_SECONDS)
    return max(delay, error.retry_after or 0.0)


def registry_watch_failed(*, study_id: int, error: RegistryFetchError, attempt: int) -> float | None:
    """Record a failed check where the page shows it; the seconds until the next try, or None when there is none
    before the next scheduled check (a lasting failure such as a 404, or the tries are used up)."""
    retry = error.transient and attempt < settings.DILIGENCE_REGISTRY_WATCH_RETRIES
    delay = backoff_seconds(attempt, error) if retry else None
    now = timezone.now()
    message = str(error) if retry else f"{error} No more tries before the next scheduled check."
    StudyWatch.objects.filter(study_id=study_id).update(
        failures=F("failures") + 1, last_error=message[:500], last_error_at=now, last_result="failed",
        next_attempt_at=now + dt.timedelta(seconds=delay) if delay is not None else None,
    )  # fmt: skip
    return delay


# --- the team's decision ----------------------------------------------------------------------------------------


def _decidable(version_id: int, seen_latest: int) -> RegistryRecordVersion:
    version = RegistryRecordVersion.objects.select_for_update().select_related("study", "team").get(pk=version_id)
    if version.status != Version.Status.PENDING:
        raise StaleDecision(f"This version was decided meanwhile ({version.get_status_display().lower()}).")
    newest = RegistryRecordVersion.objects.filter(study_id=version.study_id).order_by("-pk").values_list("pk")[:1]
    if [seen_latest] != [row[0] for row in newest]:
        raise StaleDecision("A newer version of the record arrived meanwhile: review it before deciding.")
    return version


@transaction.atomic
def registry_version_accept(*, version_id: int, user: User, seen_latest: int) -> RegistryRecordVersion:
    """Apply the version to the facts through the normal import (the findings follow, in this transaction)."""
    version = _decidable(version_id, seen_latest)
    raw = version.raw_record.encode()
    file = RegistryFile(
        name=f"{version.registry_id} version {version.number}", size=len(raw), read=lambda: raw,
        source=version.origin_detail, retrieved_at=version.retrieved_at, origin=version.origin,
    )  # fmt: skip
    outcome = registry_import_file(team=version.team, file=file, user=user, asset=None)
    if outcome.problem is not None:
        raise ValidationError(f"The version cannot be imported: {outcome.problem.message}")
    version.refresh_from_db()  # the import recorded it as accepted, by this user
    registry_version_decided.send(sender=RegistryRecordVersion, version=version, user=user)
    return version


@transaction.atomic
def registry_version_keep(*, version_id: int, user: User, note: str, seen_latest: int) -> RegistryRecordVersion:
    """Keep the facts on the earlier version; the note says why."""
    if not note.strip():
        raise ValidationError({"note": "Say why the earlier version is kept."})
    version = _decidable(version_id, seen_latest)
    version.status, version.decided_by, version.decided_at = Version.Status.KEPT, user, timezone.now()
    version.note = note.strip()
    version.save(update_fields=["status", "decided_by", "decided_at", "note"])
    registry_version_decided.send(sender=RegistryRecordVersion, version=version, user=user)
    return version

"""Registry files into a team's studies: each file all or nothing; each study created, updated or left as it is.

A study is found again by its registry id within the team, so re-importing a record updates it and creates
nothing. Only what the registry says is overwritten: a person's own facts (first dose, data cut-off, sites' ethics
approvals) stay, and a classification a person changed by hand is kept rather than recomputed. The study goes
through fact_save (validation, version, history, findings); its sites and new hospitals are written in bulk with
their history, and the findings hear of it once per file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Field, Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from assets.models import Asset, Study, StudySite
from assets.registry.classify import classify
from assets.registry.errors import RecordProblem, RegistryProblem
from assets.registry.links import registration_links_refresh
from assets.registry.mapping import classification_values, study_values
from assets.registry.parse import parse_registry_file
from assets.registry.records import Agency, RegistryStudy
from assets.registry.savepoints import savepoints_skipped
from assets.registry.sites import SiteSync, WantedSite, hospitals_resolve, sites_sync, wanted_sites
from assets.registry.versions import registry_version_record
from assets.services import company_for_name, fact_save
from assets.signals import announce, facts_batch
from teams.labels import field_label, value_label

if TYPE_CHECKING:
    from teams.models import DealTeam, User

logger = logging.getLogger(__name__)

# Bookkeeping that changes on every import; a record that differs only here is unchanged.
QUIET_FIELDS = frozenset({"provenance", "raw_source", "retrieved_at"})


@dataclass(frozen=True)
class RegistryFile:
    """A file to import: its name (for messages), its size (checked before reading) and how to read it."""

    name: str
    size: int
    read: Callable[[], bytes]
    source: str = ""  # kept with the study: the file name, or the URL it was fetched from
    retrieved_at: dt.datetime | None = None
    origin: str = "upload"  # RegistryRecordVersion.Origin: where the version it records came from


@dataclass(frozen=True)
class FieldChange:
    """A field the record changed on a study already there, as people read it: its label, before and after."""

    label: str
    old: str
    new: str

    def as_json(self) -> dict[str, str]:
        return {"label": self.label, "old": self.old, "new": self.new}


@dataclass
class StudyOutcome:
    study: Study
    status: str  # "created", "updated", "unchanged", or "replaced" (an earlier copy in the same batch)
    changed: list[str] = field(default_factory=list)
    sites: SiteSync = field(default_factory=SiteSync)
    flags: list[str] = field(default_factory=list)
    classification_kept: bool = False
    replaced: str | None = None  # the file whose copy of the same registry id this one replaced, in one batch
    changes: list[FieldChange] = field(default_factory=list)  # ``changed`` with the values before and after
    asset_before: Asset | None = None  # the asset the study was attached to before this import

    @property
    def created(self) -> bool:
        return self.status == "created"

    def as_json(self) -> dict[str, Any]:
        """The line ``import_ctgov --json`` prints for the study."""
        study = self.study
        return {
            "registry_id": study.registry_id,
            "title": study.title,
            "sponsor": study.sponsor_name,
            "sponsor_class": study.sponsor_class,
            "sponsor_type": study.sponsor_type,
            "is_iit": study.is_investigator_initiated,
            "sites": self.sites.total,
            "china_sites": self.sites.china,
            "countries": study.countries,
            "created": self.created,
            "status": self.status,
            "changed": self.changed,
            "flags": self.flags,
            "replaced": self.replaced,
            "asset": study.asset.code if study.asset is not None else None,
            "asset_before": self.asset_before.code if self.asset_before is not None else None,
            "changes": [change.as_json() for change in self.changes],
        }


@dataclass
class FileOutcome:
    name: str
    studies: list[StudyOutcome] = field(default_factory=list)
    problem: RegistryProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        """The file's one result line: what became of its studies, or why it was refused."""
        if self.problem is not None:
            place = f" at {self.problem.place}" if self.problem.place else ""
            return f"refused{place}: {self.problem.message}; nothing from it was written"
        counts = {status: sum(1 for s in self.studies if s.status == status) for status in STATUSES}
        said = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
        return said or "no studies"


# A study's fate in a batch, in the order results are said.
STATUSES = ("created", "updated", "unchanged", "replaced")


@dataclass
class ImportReport:
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(outcome.ok for outcome in self.files)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.files for study in outcome.studies if study.status == status)

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.files if not outcome.ok]

    def summary(self) -> str:
        failed = len(self.failed)
        replaced = self.count("replaced")
        return (
            f"{self.count('created')} created, {self.count('updated')} updated, {self.count('unchanged')} unchanged"
            + (f", {replaced} replaced an earlier copy in this batch" if replaced else "")
            + f"; {failed} file{'s' if failed != 1 else ''} failed."
        )


def registry_import(
    *, team: DealTeam, files: Iterable[RegistryFile], user: User | None, asset: Asset | None = None
) -> ImportReport:
    """Import each file in its own transaction: a bad file is reported and the good ones still go in."""
    if asset is not None and asset.team_id != team.pk:
        raise ValidationError({"asset": "The asset belongs to another team."})
    report = ImportReport()
    seen: dict[str, str] = {}  # registry id -> the file it was first imported from in this batch
    for file in files:
        outcome = registry_import_file(team=team, file=file, user=user, asset=asset)
        mark_replaced(outcome, seen=seen)
        report.files.append(outcome)
    return report


def mark_replaced(outcome: FileOutcome, *, seen: dict[str, str]) -> None:
    """A study an earlier file of the batch already imported was replaced by this copy, not "updated": the batch
    itself held the record twice. ``seen`` (registry id -> the first file with it) grows with the file's studies."""
    for study in outcome.studies:
        earlier = seen.get(study.study.registry_id)
        if earlier is not None:
            study.status, study.replaced = "replaced", earlier
        seen.setdefault(study.study.registry_id, outcome.name)


def registry_import_file(*, team: DealTeam, file: RegistryFile, user: User | None, asset: Asset | None) -> FileOutcome:
    """One file, all or nothing: a problem anywhere in it (a bad location included) writes nothing from it.

    A concurrent import that creates one of the file's hospitals first makes the insert here fail; the file is then
    imported once more from the start, and finds that hospital in the directory."""
    try:
        raw = _read(file)
        records = parse_registry_file(raw)
        try:
            return _import_records(team=team, file=file, user=user, asset=asset, records=records)
        except IntegrityError:
            return _import_records(team=team, file=file, user=user, asset=asset, records=records)
    except RecordProblem as problem:
        return FileOutcome(file.name, problem=RegistryProblem(file.name, problem.place, problem.message))
    except (IntegrityError, TransactionManagementError) as error:
        return FileOutcome(file.name, problem=RegistryProblem(file.name, "", f"the database refused it: {error}"))
    except Exception:  # a bug, not the file's fault: logged in full; the batch goes on, and this file wrote nothing
        logger.exception("registry import of %s failed unexpectedly", file.name)
        message = "could not be imported because of an unexpected error (logged for the administrators)"
        return FileOutcome(file.name, problem=RegistryProblem(file.name, "", message))


def _import_records(
    *, team: DealTeam, file: RegistryFile, user: User | None, asset: Asset | None, records: list[RegistryStudy]
) -> FileOutcome:
    with transaction.atomic(), facts_batch(), savepoints_skipped():
        importer = _StudyImporter(team=team, user=user, asset=asset, file=file)
        outcome = FileOutcome(file.name, [importer.run(record) for record in records])
        registration_links_refresh(team_id=team.pk, study_ids=[s.study.pk for s in outcome.studies], user=user)
        return outcome


def _read(file: RegistryFile) -> bytes:
    limit = settings.DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES
    message = f"the file is over the {limit / 1_048_576:g} MB limit for a registry file"
    if file.size > limit:
        raise RecordProblem("", f"{message} ({file.size / 1_048_576:.1f} MB)")
    raw = file.read()
    if len(raw) > limit:
        raise RecordProblem("", message)
    return raw


@dataclass
class _StudyImporter:
    team: DealTeam
    user: User | None
    asset: Asset | None
    file: RegistryFile
    sites_seen: int = 0
    hospitals_created: int = 0

    def run(self, record: RegistryStudy) -> StudyOutcome:
        """Create or update the record's study, then its sites; the study is saved only if the record moved it."""
        values, flags = study_values(record)
        sites = wanted_sites(record)  # checked before anything is written
        self.sites_seen += len(sites)
        if self.sites_seen > (limit := settings.DILIGENCE_REGISTRY_MAX_SITES_PER_FILE):
            raise RecordProblem(
                str(record.place), f"the file lists more than {limit:,} sites, the most one file may add"
            )
        existing = self._existing(record)
        kept = self._classify(record, values, flags, existing)
        if self.asset is not None:
            values["asset"] = self.asset
        study = existing or Study(team=self.team)
        changed = changed_fields(study, values) if existing else []
        changes = [field_change(study, name, values[name]) for name in shown_changes(changed)]
        asset_before = existing.asset if existing else None
        if existing is None or changed:
            self._save(study, values, record)
        sync = self._sites(study, sites, is_new=existing is None)
        # Importing a record is accepting it: its version is recorded (once per content) as the team's.
        registry_version_record(study=study, record=record, file=self.file, user=self.user)
        status = "created" if existing is None else "updated" if changed or sync.changed else "unchanged"
        labels = [_label(name) for name in changed]
        return StudyOutcome(
            study, status, labels, sync, values["registry_flags"], kept, changes=changes, asset_before=asset_before
        )

    def _classify(
        self, record: RegistryStudy, values: dict[str, Any], flags: list[str], existing: Study | None
    ) -> bool:
        """Add the classification (and the company paying) to ``values``, unless a person set it: then say so."""
        classification = classify(lead=record.lead_sponsor, collaborators=record.collaborators)
        values["registry_flags"] = flags + classification.flags
        if existing is not None and hand_classified(existing):
            return True
        values |= classification_values(classification)
        funder = classification.funder
        values["funding_company"] = company_for_name(team=self.team, name=funder, user=self.user)
        return False

    def _sites(self, study: Study, sites: list[WantedSite], *, is_new: bool) -> SiteSync:
        hospitals, created, to_review = hospitals_resolve(sites, user=self.user)
        self.hospitals_created += created
        if self.hospitals_created > (limit := settings.DILIGENCE_REGISTRY_MAX_NEW_HOSPITALS_PER_FILE):
            message = f"the file would add more than {limit:,} hospitals to the shared directory, the most one file may"
            raise RecordProblem("", message)  # raised inside the file's transaction: the hospitals go again
        sync = sites_sync(study=study, sites=sites, hospitals=hospitals, user=self.user, is_new=is_new)
        sync.hospitals_created, sync.sites_to_review = created, to_review
        sync.hospitals_matched = len({hospital.pk for hospital in hospitals.values()}) - created
        if sync.changed:  # bulk writes skip fact_save, so the findings are told here (once per file, in the batch)
            announce(sender=StudySite, team_id=self.team.pk, asset_ids={study.asset_id} if study.asset_id else set())
        return sync

    def _existing(self, record: RegistryStudy) -> Study | None:
        ids, _constraint = self._lookup(record)
        return Study.objects.filter(team=self.team).filter(ids).select_related("asset").first()

    @staticmethod
    def _lookup(record: RegistryStudy) -> tuple[Q, str]:
        """How the team's study of this record is found, and the unique constraint that lookup answers."""
        if record.nct_id:
            return Q(nct_id=record.nct_id), "study_unique_nct_per_team"
        if record.chictr_id:
            return Q(chictr_id=record.chictr_id), "study_unique_chictr_per_team"
        return Q(other_registry_id=record.other_id), "study_unique_other_registry_id_per_team"

    def _save(self, study: Study, values: dict[str, Any], record: RegistryStudy) -> None:
        for name, value in values.items():
            setattr(study, name, value)
        study.raw_source = self.file.source or self.file.name
        study.retrieved_at = self.file.retrieved_at or timezone.now()
        label = Study.RawFormat(record.raw_format).label
        study.provenance = f"{label} record {record.registry_id}, imported from {study.raw_source}"[:300]
        # A new study was looked up by its id just before (``_existing``), in this transaction: not asked again.
        looked_up: list[str] = [self._lookup(record)[1]] if study.pk is None else []
        try:
            fact_save(instance=study, user=self.user, unique_looked_up=looked_up)
        except ValidationError as error:
            details = "; ".join(f"{_label(name)}: {' '.join(texts)}" for name, texts in error.message_dict.items())
            raise RecordProblem(str(record.place), f"{record.registry_id} cannot be stored ({details})") from None


def hand_classified(study: Study) -> bool:
    """Whether a person set the classification: it is not what the import would give for the stored sponsors."""
    if study.source != Study.Source.IMPORTED:
        return study.sponsor_type != Study.SponsorType.UNKNOWN
    lead = Agency(study.sponsor_name, study.sponsor_class) if study.sponsor_name else None
    collaborators = [Agency(c.get("name", ""), c.get("class", "")) for c in study.collaborators if isinstance(c, dict)]
    auto = classify(lead=lead, collaborators=collaborators)
    return (study.sponsor_type, study.sponsor_type_reason) != (auto.sponsor_type, auto.reason)


def changed_fields(study: Study, values: dict[str, Any]) -> list[str]:
    """The fields the record would change, in the order the record sets them."""
    return [name for name, value in values.items() if name not in QUIET_FIELDS and _differs(study, name, value)]


def shown_changes(changed: list[str]) -> list[str]:
    """The changed fields a person is shown: a date's precision only when the date itself stays, and not the format
    the record came in (the record's own change says it)."""
    precisions = {precision: date for date, precision in Study.PRECISION_OF.items()}
    return [
        name for name in changed if name != "raw_format" and not (name in precisions and precisions[name] in changed)
    ]


# Values longer than this are cut when a change is shown; the record itself is named, never shown.
CHANGE_TEXT_LIMIT = 200


def field_change(study: Study, name: str, new: Any) -> FieldChange:
    """What the record does to one field of a stored study, before it is saved."""
    if name == "raw_record":
        before = "the record as imported before" if study.raw_record else "none: the study was entered by hand"
        return FieldChange(field_label(Study, name), before, "the record in this file")
    return FieldChange(field_label(Study, name), _shown(name, getattr(study, name)), _shown(name, new))


def _shown(name: str, value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        value = [item.get("name") or ", ".join(map(str, item.values())) for item in value]  # sponsors, officials
    text = value_label(Study, name, value)
    return text if len(text) <= CHANGE_TEXT_LIMIT else text[: CHANGE_TEXT_LIMIT - 1] + "…"


def _differs(study: Study, name: str, value: Any) -> bool:
    current = getattr(study, name)
    if hasattr(current, "pk") or hasattr(value, "pk"):
        return getattr(current, "pk", None) != getattr(value, "pk", None)
    if name == "raw_record":
        return not same_record(current, value)
    return current != value


def same_record(stored: str, incoming: str) -> bool:
    """The same record whatever its layout: a search response's study and the API's single answer differ in
    whitespace only, and re-importing one after the other must not count as a change."""
    if stored == incoming:
        return True
    try:
        return json.loads(stored) == json.loads(incoming)
    except ValueError:  # XML, kept and compared as written
        return False


def _label(name: str) -> str:
    try:
        return str(cast(Field, Study._meta.get_field(name)).verbose_name)  # errors are about the study's own fields
    except FieldDoesNotExist:  # a model-wide error (NON_FIELD_ERRORS) has no field
        return name

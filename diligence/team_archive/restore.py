"""A team archive into an install that does not have the team yet: all of it or nothing.

The archive is checked in full before the first write (reader.py). Then one transaction creates the team, the people
it names that this install lacks (inactive, without a usable password), memberships, companies, each asset through
the dossier importer, the checklist template versions the reviews are pinned to (when this install lacks them),
reviews with their items, comments and evidence, the findings' triage and the memos with their partner review.
Files are written to storage as they come; if anything fails, the transaction is rolled back and every file written
is deleted again.

Timestamps are restored as exported (when an item was last updated, when a memo was approved...), so the restored
team exports the same documents as the original. Findings are restored exactly as archived: the recompute that follows
each dossier import is overlaid with the archived rows, and a finding it raises that the archive does not hold is
removed, because the restored team should be the team as it was exported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from simple_history.utils import bulk_create_with_history

from assets.dossier import DossierError, dossier_import
from assets.models import Asset, Company
from assets.services import fact_save
from diligence.models import (
    ChecklistTemplate,
    Evidence,
    Finding,
    ItemComment,
    Memo,
    MemoComment,
    Review,
    ReviewItem,
    TemplateItem,
    TemplateQuestion,
    TemplateVersion,
)
from diligence.services.standing import CHECKLIST, standings_deferred, standings_refresh
from diligence.team_archive.export import template_version_document
from diligence.team_archive.layout import (
    FINDINGS,
    MEMOS,
    REVIEWS,
    TEAM,
    ArchiveError,
    Document,
    describe_counts,
    parse_day,
    parse_moment,
)
from diligence.team_archive.reader import TeamArchive, archive_open
from diligence.team_archive.subjects import Subjects, translate_snapshot
from teams.models import DealTeam, User
from teams.services.memberships import membership_set, team_create

if TYPE_CHECKING:
    from django.db import models

logger = logging.getLogger(__name__)

FINDING_VALUES = ("question", "severity", "citation", "title", "message", "remedy", "facts", "status", "note")


@dataclass(frozen=True)
class RestoreResult:
    team: DealTeam
    counts: dict[str, int]
    created_users: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"Restored team {self.team.slug} ({self.team.name}): {describe_counts(self.counts)}."


def team_restore(*, path: Path) -> RestoreResult:
    """Restore the archive at ``path``. ArchiveError (nothing written, no file left behind) when the archive is
    damaged, altered or inconsistent, when the team already exists here, or when this install cannot take it."""
    with archive_open(path) as archive:
        written: list[tuple[Storage, str]] = []
        try:
            # Findings are saved one by one: each asset's standing is counted once, at the end.
            with transaction.atomic(), standings_deferred():
                restorer = _Restorer(archive, written)
                team = restorer.run()
        except BaseException:
            _delete(written)
            raise
    return RestoreResult(
        team=team, counts=dict(archive.manifest["counts"]), created_users=sorted(restorer.created_users)
    )


def _delete(written: list[tuple[Storage, str]]) -> None:
    for storage, name in written:
        try:
            storage.delete(name)
        except OSError:  # the original failure matters more; say which file is left over
            logger.exception("could not delete %s after a failed team restore", name)


@contextmanager
def _member(name: str) -> Iterator[None]:
    """What the database or a model refuses while restoring a member is reported as that member's problem."""
    try:
        yield
    except ValidationError as error:
        raise ArchiveError(f"refused by this install: {'; '.join(error.messages)}", member=name) from error
    except IntegrityError as error:
        raise ArchiveError(f"refused by the database: {error}", member=name) from error


class _Restorer:
    def __init__(self, archive: TeamArchive, written: list[tuple[Storage, str]]) -> None:
        self.archive = archive
        self.written = written
        self.people = {person["username"]: person for person in archive.team["users"]}
        self.users: dict[str, User] = {}
        self.created_users: list[str] = []
        self.assets: dict[str, Asset] = {}
        self.subjects: dict[str, Subjects] = {}
        self.versions: dict[tuple[str, int], TemplateVersion] = {}
        self.template_items: dict[tuple[str, int, str], TemplateItem] = {}
        self.reviews: dict[tuple[str, str], Review] = {}

    def run(self) -> DealTeam:
        with _member(TEAM):
            self.team = self._team()
            self._memberships()
            self._companies()
        for entry in self.archive.team["assets"]:
            self._dossier(entry["code"], entry["dossier"])
        with _member(REVIEWS):
            self._templates()
            self._reviews()
        with _member(FINDINGS):
            self._findings()
        with _member(MEMOS):
            self._memos()
        return self.team

    # --- the team and its people ------------------------------------------------------------------------------

    def _team(self) -> DealTeam:
        facts = self.archive.team["team"]
        if DealTeam.objects.filter(slug=facts["slug"]).exists():
            raise ArchiveError(
                f"A deal team with the slug {facts['slug']!r} already exists here; import_team restores a team only "
                "into an install that does not have it."
            )
        if DealTeam.objects.filter(name=facts["name"]).exists():
            raise ArchiveError(f"A deal team named {facts['name']!r} already exists here (under another slug).")
        team = team_create(name=facts["name"], slug=facts["slug"], description=facts["description"])
        _set(team, created_at=parse_moment(facts["created_at"]))
        return team

    def user(self, username: str | None) -> User | None:
        return self.person(username) if username is not None else None

    def person(self, username: str) -> User:
        """The install's user of that username, or a new inactive one with no usable password."""
        if username not in self.users:
            user = User.objects.filter(username=username).first()
            if user is None:
                person = self.people[username]
                user = User.objects.create_user(
                    username=username,
                    email=person["email"],
                    password=None,
                    first_name=person["first_name"],
                    last_name=person["last_name"],
                    is_active=False,
                )
                self.created_users.append(username)
            self.users[username] = user
        return self.users[username]

    def _memberships(self) -> None:
        for entry in self.archive.team["memberships"]:
            user = self.person(entry["username"])
            membership = membership_set(team=self.team, user=user, role=entry["role"], actor=None)
            _set(membership, created_at=parse_moment(entry["created_at"]))

    def _companies(self) -> None:
        """Every company the team recorded, those no asset names included; the dossiers then match them by name."""
        for entry in self.archive.team["companies"]:
            fact_save(instance=Company(team=self.team, **entry), user=None)

    def _dossier(self, code: str, member: str) -> None:
        try:
            result = dossier_import(team=self.team, document=self.archive.dossiers[code], user=None)
        except DossierError as error:
            problems = "; ".join(map(str, error.problems))
            raise ArchiveError(f"the dossier was refused: {problems}", member=member) from error
        self.assets[code] = result.asset

    def _subjects(self, code: str) -> Subjects:
        if code not in self.subjects:
            self.subjects[code] = Subjects(self.assets[code])
        return self.subjects[code]

    # --- checklists -------------------------------------------------------------------------------------------

    def _templates(self) -> None:
        for entry in self.archive.reviews["checklist_templates"]:
            template = ChecklistTemplate.objects.filter(slug=entry["slug"]).first()
            if template is None:
                if ChecklistTemplate.objects.filter(name=entry["name"]).exists():
                    raise ArchiveError(
                        f"a checklist template named {entry['name']!r} exists here under another slug "
                        f"than {entry['slug']!r}.",
                        member=REVIEWS,
                    )
                template = ChecklistTemplate.objects.create(
                    name=entry["name"], slug=entry["slug"], description=entry["description"]
                )
                _set(template, created_at=parse_moment(entry["created_at"]))
            for document in entry["versions"]:
                version = template.versions.filter(number=document["number"]).first()
                if version is None:
                    version = self._version(template, document)
                elif template_version_document(version)["questions"] != document["questions"]:
                    raise ArchiveError(
                        f"checklist template {template.slug!r} version {version.number} here is not the one the "
                        "archive's reviews are pinned to (its questions or items differ).",
                        member=REVIEWS,
                    )
                self.versions[(template.slug, version.number)] = version
                for item in TemplateItem.objects.filter(version=version):
                    self.template_items[(template.slug, version.number, item.key)] = item

    def _version(self, template: ChecklistTemplate, document: Document) -> TemplateVersion:
        """The version as archived, published as it was. Its parts are written in bulk: a published version's parts
        refuse one-by-one saves, and this one is published from its first moment here."""
        version = TemplateVersion.objects.create(
            template=template,
            number=document["number"],
            status=document["status"],
            change_note=document["change_note"],
            published_at=parse_moment(document["published_at"]),
        )
        _set(version, created_at=parse_moment(document["created_at"]))
        questions = TemplateQuestion.objects.bulk_create(
            [
                TemplateQuestion(
                    version=version, key=q["key"], title=q["title"], description=q["description"], order=q["order"]
                )
                for q in document["questions"]
            ]
        )
        TemplateItem.objects.bulk_create(
            [
                TemplateItem(question=question, version=version, **item)
                for question, q in zip(questions, document["questions"], strict=True)
                for item in q["items"]
            ]
        )
        return version

    def _reviews(self) -> None:
        for entry in self.archive.reviews["reviews"]:
            code, slug = entry["asset"], entry["template"]
            version = self.versions[(slug, entry["template_version"])]
            review = Review.objects.create(
                team=self.team,
                asset=self.assets[code],
                template=version.template,
                template_version=version,
                created_by=self.user(entry["created_by"]),
                upgraded_at=parse_moment(entry["upgraded_at"]),
            )
            _set(review, created_at=parse_moment(entry["created_at"]))
            self.reviews[(code, slug)] = review
            self._items(review, slug, entry["items"])

    def _items(self, review: Review, slug: str, documents: list[Document]) -> None:
        items = [
            ReviewItem(
                review=review,
                template_item=self.template_items[(slug, d["template_version"], d["key"])],
                key=d["key"],
                question=d["question"],
                order=d["order"],
                status=d["status"],
                na_reason=d["na_reason"],
                assignee=self.user(d["assignee"]),
                due_on=parse_day(d["due_on"]),
                notes=d["notes"],
                archived_at=parse_moment(d["archived_at"]),
                version=d["version"],
            )
            for d in documents
        ]
        items = bulk_create_with_history(items, ReviewItem)
        standings_refresh({review.asset_id}, parts={CHECKLIST})  # written in bulk: no signal
        for item, document in zip(items, documents, strict=True):
            item.updated_at = parse_moment(document["updated_at"])  # written after, so auto_now cannot replace it
        ReviewItem.objects.bulk_update(items, ["updated_at"])
        comments = []
        for item, document in zip(items, documents, strict=True):
            comments += [
                (ItemComment(item=item, author=self.user(c["author"]), body=c["body"]), c["created_at"])
                for c in document["comments"]
            ]
            for evidence in document["evidence"]:
                self._evidence(item, evidence)
        _bulk_with_moments(ItemComment, comments, "created_at")

    def _evidence(self, item: ReviewItem, document: Document) -> None:
        evidence = Evidence(
            item=item,
            original_name=document["original_name"],
            content_type=document["content_type"],
            size=document["size"],
            sha256=document["sha256"],
            uploaded_by=self.user(document["uploaded_by"]),
        )
        self._store(evidence.file, self.archive.read_file(document["file"]))
        evidence.save()
        _set(evidence, uploaded_at=parse_moment(document["uploaded_at"]))

    def _store(self, file: FieldFile, data: bytes) -> None:
        file.save("archived", ContentFile(data), save=False)  # the field's upload_to generates the real name
        if file.name:
            self.written.append((file.storage, file.name))

    # --- findings ---------------------------------------------------------------------------------------------

    def _findings(self) -> None:
        wanted: dict[str, list[Document]] = {}
        for document in self.archive.findings["findings"]:
            wanted.setdefault(document["asset"], []).append(document)
        for code, asset in self.assets.items():
            subjects = self._subjects(code)
            stored = {(f.rule_id, f.subject): f for f in Finding.objects.filter(asset=asset)}
            for document in wanted.get(code, []):
                subject = subjects.stored(document["subject"])
                finding = stored.pop((document["rule_id"], subject), None) or Finding(
                    team=self.team, asset=asset, rule_id=document["rule_id"], subject=subject
                )
                for name in FINDING_VALUES:
                    setattr(finding, name, document[name])
                finding.kind = document.get("kind", Finding.Kind.BREACH)  # archives made before kinds: breaches
                finding.status_changed_by = self.user(document["status_changed_by"])
                finding.status_changed_at = parse_moment(document["status_changed_at"])
                finding.computed_at = parse_moment(document["computed_at"])
                finding.resolved_at = parse_moment(document["resolved_at"])
                finding.save()
                _set(finding, first_raised_at=parse_moment(document["first_raised_at"]))
            for finding in stored.values():  # raised by the recompute here, but not part of the archived state
                finding.delete()

    # --- memos ------------------------------------------------------------------------------------------------

    def _memos(self) -> None:
        for d in self.archive.memos["memos"]:
            code = d["asset"]
            pinned = d["template_version"]
            memo = Memo(
                team=self.team,
                asset=self.assets[code],
                version=d["version"],
                review=self.reviews[(code, d["review"])] if d["review"] is not None else None,
                template_version=self.versions[(pinned["template"], pinned["number"])] if pinned else None,
                status=d["status"],
                stage=d["stage"],
                requested_by=self.user(d["requested_by"]),
                started_at=parse_moment(d["started_at"]),
                finished_at=parse_moment(d["finished_at"]),
                attempts=d["attempts"],
                worker=d["worker"],
                error=d["error"],
                sha256=d["sha256"],
                pages=d["pages"],
                size=d["size"],
                render_seconds=d["render_seconds"],
                snapshot=translate_snapshot(d["snapshot"], self._subjects(code).stored),
                review_state=d["review_state"],
                submitted_by=self.user(d["submitted_by"]),
                submitted_at=parse_moment(d["submitted_at"]),
                decided_by=self.user(d["decided_by"]),
                decided_at=parse_moment(d["decided_at"]),
            )
            if d["pdf"] is not None:
                self._store(memo.pdf, self.archive.read_file(d["pdf"]))
            memo.save()
            _set(memo, requested_at=parse_moment(d["requested_at"]))
            comments = [
                (
                    MemoComment(
                        memo=memo, section=c["section"], kind=c["kind"], author=self.user(c["author"]), body=c["body"]
                    ),
                    c["created_at"],
                )
                for c in d["comments"]
            ]
            _bulk_with_moments(MemoComment, comments, "created_at")


def _set(instance: models.Model, **values: Any) -> None:
    """Fields Django fills in itself on a save (``auto_now_add``), set to their archived values."""
    type(instance)._default_manager.filter(pk=instance.pk).update(**values)
    for name, value in values.items():
        setattr(instance, name, value)


def _bulk_with_moments[M: models.Model](model: type[M], rows: list[tuple[M, str]], name: str) -> None:
    """Create the rows, then give each its archived moment (``auto_now_add`` would have stamped them now)."""
    if not rows:
        return
    objects = model._default_manager.bulk_create([obj for obj, _ in rows])
    for obj, (_, when) in zip(objects, rows, strict=True):
        setattr(obj, name, parse_moment(when))
    model._default_manager.bulk_update(objects, [name])

"""A deal team, everything it owns and the state of its work, written as one zip archive (the layout is in layout.py).

Only the team's own rows are read: assets, reviews, findings and memos are selected by the team *and* by their asset's
team, so nothing of another team can slip in through a mislinked row. Lists are ordered by what they say, never by
primary key, so a restored team exports the same documents as the original.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Prefetch
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from assets.dossier import dossier_dumps, dossier_export
from assets.dossier.fields import values_of
from assets.kinds import kind_of
from assets.models import Asset, Company
from diligence.models import Finding, Memo, MemoComment, Review, ReviewItem, TemplateQuestion, TemplateVersion
from diligence.team_archive.layout import (
    FINDINGS,
    FORMAT,
    MANIFEST,
    MEMOS,
    REVIEWS,
    TEAM,
    VERSION,
    ArchiveError,
    Document,
    archive_counts,
    day,
    describe_counts,
    dossier_member,
    dumps,
    evidence_member,
    memo_member,
    moment,
)
from diligence.team_archive.subjects import Subjects, translate_snapshot
from teams.models import Membership

if TYPE_CHECKING:
    from teams.models import DealTeam, User

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ExportResult:
    team: DealTeam
    path: Path
    counts: dict[str, int]

    def summary(self) -> str:
        return f"Exported team {self.team.slug} ({self.team.name}) to {self.path}: {describe_counts(self.counts)}."


def team_export(*, team: DealTeam, path: Path) -> ExportResult:
    """Write the team's archive to ``path``, through a temporary file beside it renamed at the end: a failed export
    leaves no half-written archive behind, and an existing file at ``path`` is only replaced by a complete one."""
    partial = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, before the rename
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial", delete=False
    )
    try:
        with partial, zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            counts = _write(team=team, members=_Members(archive, timezone.now()))
        os.replace(partial.name, path)
    except BaseException:
        Path(partial.name).unlink(missing_ok=True)
        raise
    return ExportResult(team=team, path=path, counts=counts)


class _Members:
    """The zip being written: each member once, with the sha256 and size the manifest lists."""

    def __init__(self, archive: zipfile.ZipFile, exported_at: dt.datetime) -> None:
        self.archive = archive
        self.exported_at = exported_at
        self.files: dict[str, Document] = {}
        self._date_time = timezone.localtime(exported_at).timetuple()[:6]

    def add(self, name: str, data: bytes) -> None:
        with self._open(name) as out:
            out.write(data)
        self.files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def copy(self, name: str, stored: FieldFile, *, expected_sha256: str, what: str) -> None:
        """A stored file, streamed in; refused when its bytes are not the ones recorded (it was damaged on disk).
        Content-addressed members are written once however many rows share them."""
        if name in self.files:
            return
        digest, size = hashlib.sha256(), 0
        try:
            with stored.open("rb") as source, self._open(name) as out:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except FileNotFoundError as error:
            raise ArchiveError(f"the stored file of {what} is missing ({stored.name}).", member=name) from error
        if expected_sha256 and digest.hexdigest() != expected_sha256:
            raise ArchiveError(
                f"the stored file of {what} ({stored.name}) no longer matches its recorded sha256.", member=name
            )
        self.files[name] = {"sha256": digest.hexdigest(), "size": size}

    def _open(self, name: str) -> IO[bytes]:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        return self.archive.open(info, "w", force_zip64=True)


class _People:
    """Everyone the archive names, by username; their names and email travel so they can be recreated."""

    def __init__(self) -> None:
        self.seen: dict[str, User] = {}

    def __call__(self, user: User | None) -> str | None:
        if user is None:
            return None
        self.seen[user.username] = user
        return user.username

    def documents(self) -> list[Document]:
        return [
            {"username": u.username, "first_name": u.first_name, "last_name": u.last_name, "email": u.email}
            for _, u in sorted(self.seen.items())
        ]


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """Every query of the export sees the database as of one moment: one transaction, and on PostgreSQL a
    repeatable-read one (SQLite's read transaction is a snapshot already). Inside a caller's transaction (tests)
    the caller decides."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _write(*, team: DealTeam, members: _Members) -> dict[str, int]:
    people = _People()
    with _one_snapshot():
        assets = list(Asset.objects.filter(team=team).order_by("code"))
        codes = {asset.pk: asset.code for asset in assets}
        subjects = {asset.pk: Subjects(asset) for asset in assets}
        for asset in assets:
            members.add(dossier_member(asset.code), dossier_dumps(dossier_export(asset=asset)).encode("utf-8"))
        versions: dict[int, TemplateVersion] = {}
        reviews = [_review(review, members, people, versions) for review in _team_reviews(team)]
        findings = [_finding(finding, codes, subjects, people) for finding in _team_findings(team)]
        memos = [_memo(memo, members, people, versions, subjects) for memo in _team_memos(team)]
        team_document: Document = {
            "team": {
                "name": team.name,
                "slug": team.slug,
                "description": team.description,
                "created_at": moment(team.created_at),
            },
            "memberships": [
                {"username": people(m.user), "role": m.role, "created_at": moment(m.created_at)}
                for m in Membership.objects.filter(team=team).select_related("user").order_by("user__username")
            ],
            "companies": _ordered(map(values_of, Company.objects.filter(team=team)), kind_of(Company).sort_key),
            "assets": [{"code": asset.code, "dossier": dossier_member(asset.code)} for asset in assets],
        }
        reviews_document: Document = {
            "checklist_templates": _templates(versions.values()),
            "reviews": _ordered(reviews, lambda r: (r["asset"], r["template"])),
        }
    team_document["users"] = people.documents()
    findings_document: Document = {"findings": _ordered(findings, lambda f: (f["asset"], f["rule_id"], f["subject"]))}
    memos_document: Document = {"memos": _ordered(memos, lambda m: (m["asset"], m["version"]))}
    for name, document in [
        (TEAM, team_document),
        (REVIEWS, reviews_document),
        (FINDINGS, findings_document),
        (MEMOS, memos_document),
    ]:
        members.add(name, dumps(document))
    counts = archive_counts(
        team=team_document, reviews=reviews_document, findings=findings_document, memos=memos_document
    )
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "team": {"name": team.name, "slug": team.slug},
        "exported_at": moment(members.exported_at),
        "counts": counts,
        "files": dict(sorted(members.files.items())),
    }
    members.add(MANIFEST, dumps(manifest))
    return counts


# --- reviews ------------------------------------------------------------------------------------------------------


def _team_reviews(team: DealTeam) -> Iterable[Review]:
    items = ReviewItem.objects.select_related("assignee", "template_item__version").prefetch_related(
        "comments__author", "evidence__uploaded_by"
    )
    return (
        Review.objects.filter(team=team, asset__team=team)
        .select_related("asset", "template", "template_version__template", "created_by")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def _review(review: Review, members: _Members, people: _People, versions: dict[int, TemplateVersion]) -> Document:
    versions[review.template_version_id] = review.template_version
    items = []
    for item in review.items.all():
        versions.setdefault(item.template_item.version_id, item.template_item.version)
        items.append(_item(item, review, members, people))
    return {
        "asset": review.asset.code,
        "template": review.template.slug,
        "template_version": review.template_version.number,
        "created_by": people(review.created_by),
        "created_at": moment(review.created_at),
        "upgraded_at": moment(review.upgraded_at),
        "items": _ordered(
            items, lambda i: (i["archived_at"] is not None, i["order"], i["key"], i["archived_at"] or "")
        ),
    }


def _item(item: ReviewItem, review: Review, members: _Members, people: _People) -> Document:
    evidence = []
    for file in item.evidence.all():
        member = evidence_member(file.sha256)
        what = f"evidence “{file.original_name}” on {review.asset.code} item {item.key}"
        members.copy(member, file.file, expected_sha256=file.sha256, what=what)
        evidence.append(
            {
                "file": member,
                "original_name": file.original_name,
                "content_type": file.content_type,
                "size": file.size,
                "sha256": file.sha256,
                "uploaded_by": people(file.uploaded_by),
                "uploaded_at": moment(file.uploaded_at),
            }
        )
    comments = [
        {"author": people(c.author), "body": c.body, "created_at": moment(c.created_at)} for c in item.comments.all()
    ]
    return {
        "key": item.key,
        "question": item.question,
        "order": item.order,
        "template_version": item.template_item.version.number,
        "status": item.status,
        "na_reason": item.na_reason,
        "assignee": people(item.assignee),
        "due_on": day(item.due_on),
        "notes": item.notes,
        "archived_at": moment(item.archived_at),
        "version": item.version,
        "updated_at": moment(item.updated_at),
        "comments": _ordered(comments, lambda c: (c["created_at"],)),
        "evidence": _ordered(evidence, lambda e: (e["uploaded_at"], e["sha256"])),
    }


def _templates(versions: Iterable[TemplateVersion]) -> list[Document]:
    """Each template version a review, an item or a memo is pinned to, in full, so it can be recreated."""
    by_template: dict[int, list[TemplateVersion]] = {}
    for version in versions:
        by_template.setdefault(version.template_id, []).append(version)
    documents = []
    for group in by_template.values():
        template = group[0].template
        documents.append(
            {
                "slug": template.slug,
                "name": template.name,
                "description": template.description,
                "created_at": moment(template.created_at),
                "versions": [template_version_document(v) for v in sorted(group, key=lambda v: v.number)],
            }
        )
    return sorted(documents, key=lambda t: t["slug"])


def template_version_document(version: TemplateVersion) -> Document:
    questions = TemplateQuestion.objects.filter(version=version).prefetch_related("items")
    return {
        "number": version.number,
        "status": version.status,
        "change_note": version.change_note,
        "created_at": moment(version.created_at),
        "published_at": moment(version.published_at),
        "questions": sorted(
            (
                {
                    "key": q.key,
                    "title": q.title,
                    "description": q.description,
                    "order": q.order,
                    "items": sorted(
                        (
                            {
                                "key": i.key,
                                "text": i.text,
                                "guidance": i.guidance,
                                "evidence_required": i.evidence_required,
                                "criticality": i.criticality,
                                "rule_ids": list(i.rule_ids),
                                "order": i.order,
                            }
                            for i in q.items.all()
                        ),
                        key=lambda i: (i["order"], i["key"]),
                    ),
                }
                for q in questions
            ),
            key=lambda q: (q["order"], q["key"]),
        ),
    }


# --- findings -----------------------------------------------------------------------------------------------------


def _team_findings(team: DealTeam) -> Iterable[Finding]:
    return Finding.objects.filter(team=team, asset__team=team).select_related("status_changed_by")


def _finding(finding: Finding, codes: dict[int, str], subjects: dict[int, Subjects], people: _People) -> Document:
    return {
        "asset": codes[finding.asset_id],
        "rule_id": finding.rule_id,
        "subject": subjects[finding.asset_id].portable(finding.subject),
        "question": finding.question,
        "severity": finding.severity,
        "kind": finding.kind,
        "citation": finding.citation,
        "title": finding.title,
        "message": finding.message,
        "remedy": finding.remedy,
        "facts": finding.facts,
        "status": finding.status,
        "note": finding.note,
        "status_changed_by": people(finding.status_changed_by),
        "status_changed_at": moment(finding.status_changed_at),
        "first_raised_at": moment(finding.first_raised_at),
        "computed_at": moment(finding.computed_at),
        "resolved_at": moment(finding.resolved_at),
    }


# --- memos --------------------------------------------------------------------------------------------------------


def _team_memos(team: DealTeam) -> Iterable[Memo]:
    return (
        Memo.objects.filter(team=team, asset__team=team)
        .select_related(
            "asset", "review__template", "template_version__template", "requested_by", "submitted_by", "decided_by"
        )
        .prefetch_related(Prefetch("comments", queryset=MemoComment.objects.select_related("author")))
    )


def _memo(
    memo: Memo, members: _Members, people: _People, versions: dict[int, TemplateVersion], subjects: dict[int, Subjects]
) -> Document:
    code = memo.asset.code
    pdf = None
    if memo.pdf:
        pdf = memo_member(code, memo.version)
        members.copy(pdf, memo.pdf, expected_sha256=memo.sha256, what=f"memo version {memo.version} on {code}")
    template_version = None
    if memo.template_version is not None:
        versions.setdefault(memo.template_version.pk, memo.template_version)
        template_version = {"template": memo.template_version.template.slug, "number": memo.template_version.number}
    review = memo.review if memo.review is not None and memo.review.team_id == memo.team_id else None
    comments = [
        {
            "section": c.section,
            "kind": c.kind,
            "author": people(c.author),
            "body": c.body,
            "created_at": moment(c.created_at),
        }
        for c in memo.comments.all()
    ]
    return {
        "asset": code,
        "version": memo.version,
        "review": review.template.slug if review else None,
        "template_version": template_version,
        "status": memo.status,
        "stage": memo.stage,
        "requested_by": people(memo.requested_by),
        "requested_at": moment(memo.requested_at),
        "started_at": moment(memo.started_at),
        "finished_at": moment(memo.finished_at),
        "attempts": memo.attempts,
        "worker": memo.worker,
        "error": memo.error,
        "pdf": pdf,
        "sha256": memo.sha256,
        "pages": memo.pages,
        "size": memo.size,
        "render_seconds": memo.render_seconds,
        "snapshot": translate_snapshot(memo.snapshot, subjects[memo.asset_id].portable),
        "review_state": memo.review_state,
        "submitted_by": people(memo.submitted_by),
        "submitted_at": moment(memo.submitted_at),
        "decided_by": people(memo.decided_by),
        "decided_at": moment(memo.decided_at),
        "comments": _ordered(comments, lambda c: (c["created_at"],)),
    }


def _ordered(items: Iterable[Document], key: Callable[[Document], tuple[Any, ...]]) -> list[Document]:
    """Sorted by meaning; ties broken by the full content, never by primary key."""
    return sorted(items, key=lambda item: (key(item), json.dumps(item, sort_keys=True, ensure_ascii=False)))

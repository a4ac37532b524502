"""Opening a team archive: everything is checked before anything is written.

The manifest first (format, version), then that the archive holds exactly the members it lists, each with the sha256
and size listed; then every JSON member against its schema (dossiers against the dossier schema), the counts against
the manifest, and every reference between members (an asset code, a template version, a username, a file). A damaged
or altered archive is refused with the name of the member at fault.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from assets.dossier.schema import dossier_schema, schema_problems
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
)

SCHEMA_PATH = Path(__file__).with_name("schema.json")
_CHUNK = 1024 * 1024


@dataclass
class TeamArchive:
    """A checked archive, open for reading: its JSON members parsed, its files readable by member name."""

    zip: zipfile.ZipFile
    manifest: Document
    team: Document
    reviews: Document
    findings: Document
    memos: Document
    dossiers: dict[str, Document]  # asset code -> dossier, in team.json's order

    def read_file(self, member: str) -> bytes:
        """A file member's bytes, checked against the manifest once more as they are read for storing."""
        data = self.zip.read(member)
        if hashlib.sha256(data).hexdigest() != self.manifest["files"][member]["sha256"]:
            raise ArchiveError(_MISMATCH, member=member)
        return data


_MISMATCH = "its sha256 does not match the manifest: the archive is damaged or was changed after export."


@contextmanager
def archive_open(path: Path) -> Iterator[TeamArchive]:
    """The archive at ``path``, checked; ArchiveError (naming the member at fault) when it cannot be restored."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as error:
        raise ArchiveError(f"{path} does not exist.") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"{path} is not a readable zip archive ({error}).") from error
    with archive:
        yield _checked(archive)


def _checked(archive: zipfile.ZipFile) -> TeamArchive:
    names = archive.namelist()
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ArchiveError("appears twice in the archive.", member=name)
        seen.add(name)
    if MANIFEST not in seen:
        raise ArchiveError(f"the archive has no {MANIFEST}; it is not a team archive.")
    manifest = _json(archive, MANIFEST)
    if manifest.get("format") != FORMAT:
        raise ArchiveError(f"the format is {manifest.get('format')!r}, not {FORMAT!r}.", member=MANIFEST)
    if manifest.get("version") != VERSION:
        raise ArchiveError(
            f"format version {manifest.get('version')!r} cannot be read here (this install reads version {VERSION}).",
            member=MANIFEST,
        )
    _validate(manifest, "manifest", MANIFEST)
    _check_files(archive, manifest["files"], seen - {MANIFEST})
    documents = {name: _json(archive, name) for name in (TEAM, REVIEWS, FINDINGS, MEMOS)}
    for name, definition in ((TEAM, "team"), (REVIEWS, "reviews"), (FINDINGS, "findings"), (MEMOS, "memos")):
        _validate(documents[name], definition, name)
    team = documents[TEAM]
    dossiers = _dossiers(archive, team, manifest["files"])
    checked = TeamArchive(
        zip=archive,
        manifest=manifest,
        team=team,
        reviews=documents[REVIEWS],
        findings=documents[FINDINGS],
        memos=documents[MEMOS],
        dossiers=dossiers,
    )
    _check_counts(checked)
    _check_references(checked)
    return checked


def _check_files(archive: zipfile.ZipFile, listed: dict[str, Document], present: set[str]) -> None:
    if unlisted := sorted(present - set(listed)):
        raise ArchiveError("is in the archive but not listed in the manifest.", member=unlisted[0])
    if missing := sorted(set(listed) - present):
        raise ArchiveError("is listed in the manifest but missing from the archive.", member=missing[0])
    for name, expected in sorted(listed.items()):
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(name) as member:
                for chunk in iter(partial(member.read, _CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ArchiveError(f"cannot be read ({error}).", member=name) from error
        if digest.hexdigest() != expected["sha256"] or size != expected["size"]:
            raise ArchiveError(_MISMATCH, member=name)


def _json(archive: zipfile.ZipFile, name: str) -> Document:
    try:
        raw = archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"cannot be read ({error}).", member=name) from error
    except KeyError as error:
        raise ArchiveError("is missing from the archive.", member=name) from error
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except UnicodeDecodeError as error:
        raise ArchiveError(f"is not UTF-8 text ({error.reason} at byte {error.start}).", member=name) from error
    except json.JSONDecodeError as error:
        raise ArchiveError(
            f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.", member=name
        ) from error
    except ValueError as error:
        raise ArchiveError(f"is not valid JSON: {error}.", member=name) from error
    if not isinstance(document, dict):
        raise ArchiveError("must hold a JSON object.", member=name)
    return document


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str) -> Draft202012Validator:
    schema = {**_schema(), "$ref": f"#/$defs/{definition}"}
    # A company is written as the dossier writes one, so the dossier's schema says what one holds.
    dossier = Resource.from_contents(dossier_schema())
    registry = Registry().with_resource(dossier_schema()["$id"], dossier)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER, registry=registry)


def _validate(document: Document, definition: str, member: str) -> None:
    problems = sorted(
        (_path(error.absolute_path), error.message) for error in _validator(definition).iter_errors(document)
    )
    if problems:
        listed = "; ".join(f"{path}: {message}" for path, message in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ArchiveError(f"does not match the archive format: {listed}{more}.", member=member)


def _path(parts: Any) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def _dossiers(archive: zipfile.ZipFile, team: Document, files: dict[str, Document]) -> dict[str, Document]:
    dossiers: dict[str, Document] = {}
    for entry in team["assets"]:
        code, member = entry["code"], entry["dossier"]
        if code in dossiers:
            raise ArchiveError(f"lists the asset {code!r} twice.", member=TEAM)
        if member not in files:
            raise ArchiveError(f"the dossier of asset {code!r} is not in the archive.", member=member)
        document = _json(archive, member)
        if problems := schema_problems(document):
            listed = "; ".join(map(str, problems[:20]))
            raise ArchiveError(f"is not a valid dossier: {listed}.", member=member)
        if document["asset"].get("code") != code:
            raise ArchiveError(f"holds asset {document['asset'].get('code')!r}, not {code!r}.", member=member)
        dossiers[code] = document
    return dossiers


def _check_counts(archive: TeamArchive) -> None:
    counted = archive_counts(team=archive.team, reviews=archive.reviews, findings=archive.findings, memos=archive.memos)
    listed = archive.manifest["counts"]
    for kind, count in counted.items():
        if listed.get(kind) != count:
            raise ArchiveError(f"counts {listed.get(kind)!r} {kind} but the archive holds {count}.", member=MANIFEST)


def _check_references(archive: TeamArchive) -> None:
    """Every name one member uses for another's object resolves within the archive."""
    team, manifest = archive.team, archive.manifest
    if manifest["team"] != {"name": team["team"]["name"], "slug": team["team"]["slug"]}:
        raise ArchiveError("names a different team than team.json.", member=MANIFEST)
    usernames = [user["username"] for user in team["users"]]
    if len(set(usernames)) != len(usernames):
        raise ArchiveError("lists a username twice.", member=TEAM)
    known_users = set(usernames)
    members = [m["username"] for m in team["memberships"]]
    if len(set(members)) != len(members):
        raise ArchiveError("lists a membership twice.", member=TEAM)
    _users(members, known_users, TEAM)
    codes = set(archive.dossiers)
    templates = {
        (template["slug"], version["number"]): version
        for template in archive.reviews["checklist_templates"]
        for version in template["versions"]
    }
    files = manifest["files"]
    reviews: set[tuple[str, str]] = set()
    for review in archive.reviews["reviews"]:
        _asset(review["asset"], codes, REVIEWS)
        key = (review["asset"], review["template"])
        if key in reviews:
            raise ArchiveError(f"asset {key[0]!r} has two reviews on template {key[1]!r}.", member=REVIEWS)
        reviews.add(key)
        _template(templates, review["template"], review["template_version"], REVIEWS)
        _users([review["created_by"]], known_users, REVIEWS)
        for item in review["items"]:
            version = _template(templates, review["template"], item["template_version"], REVIEWS)
            if item["key"] not in {i["key"] for q in version["questions"] for i in q["items"]}:
                raise ArchiveError(
                    f"item {item['key']!r} is not in {review['template']!r} version {item['template_version']}.",
                    member=REVIEWS,
                )
            _users([item["assignee"], *(c["author"] for c in item["comments"])], known_users, REVIEWS)
            for evidence in item["evidence"]:
                _users([evidence["uploaded_by"]], known_users, REVIEWS)
                _file(files, evidence["file"], evidence["sha256"], evidence["size"], REVIEWS)
    for finding in archive.findings["findings"]:
        _asset(finding["asset"], codes, FINDINGS)
        _users([finding["status_changed_by"]], known_users, FINDINGS)
    versions: set[tuple[str, int]] = set()
    for memo in archive.memos["memos"]:
        _asset(memo["asset"], codes, MEMOS)
        if (memo["asset"], memo["version"]) in versions:
            raise ArchiveError(f"asset {memo['asset']!r} has memo version {memo['version']} twice.", member=MEMOS)
        versions.add((memo["asset"], memo["version"]))
        if memo["review"] is not None and (memo["asset"], memo["review"]) not in reviews:
            raise ArchiveError(
                f"memo version {memo['version']} on {memo['asset']!r} names a review that is not in {REVIEWS}.",
                member=MEMOS,
            )
        if memo["template_version"] is not None:
            _template(templates, memo["template_version"]["template"], memo["template_version"]["number"], MEMOS)
        _users([memo["requested_by"], memo["submitted_by"], memo["decided_by"]], known_users, MEMOS)
        _users([c["author"] for c in memo["comments"]], known_users, MEMOS)
        if memo["pdf"] is not None:
            _file(files, memo["pdf"], memo["sha256"], memo["size"], MEMOS)
        elif memo["status"] == "ready":
            raise ArchiveError(
                f"memo version {memo['version']} on {memo['asset']!r} is ready but has no PDF.", member=MEMOS
            )


def _asset(code: str, codes: set[str], member: str) -> None:
    if code not in codes:
        raise ArchiveError(f"names asset {code!r}, which has no dossier in the archive.", member=member)


def _template(templates: dict[tuple[str, int], Document], slug: str, number: int, member: str) -> Document:
    version = templates.get((slug, number))
    if version is None:
        raise ArchiveError(
            f"names checklist template {slug!r} version {number}, which the archive does not hold.", member=member
        )
    return version


def _users(usernames: list[str | None], known: set[str], member: str) -> None:
    for username in usernames:
        if username is not None and username not in known:
            raise ArchiveError(f"names the user {username!r}, who is not listed in {TEAM}.", member=member)


def _file(files: dict[str, Document], name: str, sha256: str, size: int | None, member: str) -> None:
    listed = files.get(name)
    if listed is None:
        raise ArchiveError(f"names the file {name}, which is not in the archive.", member=member)
    if listed["sha256"] != sha256 or (size is not None and listed["size"] != size):
        raise ArchiveError(
            f"the file {name} is not the one its record describes (sha256 or size differ).", member=member
        )

"""The versions of a study's registry record: recorded by every import, compared field by field.

A version is known by the hash of its canonical content (JSON re-serialised with sorted keys; XML as written), so
the same record in another layout (a search response's study, the API's single answer) is the same version. The
comparison walks ``RegistryStudy``'s dataclass fields, so a field the parsers learn later is compared too: scalars
old -> new, lists (sites, collaborators, arms, outcomes...) as sets, reported as added and removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from assets.models import RegistryRecordVersion
from assets.registry.parse import parse_registry_file
from assets.registry.records import RegistryStudy

if TYPE_CHECKING:
    from assets.models import Study
    from assets.registry.services import RegistryFile
    from teams.models import User

# Where a value came from in its file, the raw text itself, and the parser's own remarks: not the record's content.
NOT_COMPARED = frozenset({"raw_format", "place", "raw", "notes"})


def canonical_record(raw: str) -> tuple[str, Any]:
    """The record's content hash and, for JSON, the parsed document (read once for both uses)."""
    try:
        document = json.loads(raw)
    except ValueError:  # XML: compared as written
        return hashlib.sha256(raw.strip().encode()).hexdigest(), None
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest(), document


def last_update_posted(document: object) -> str:
    """``lastUpdatePostDateStruct.date`` of an API v2 study object, or ""."""
    found: object = document
    for key in ("protocolSection", "statusModule", "lastUpdatePostDateStruct", "date"):
        found = found.get(key) if isinstance(found, dict) else None
    return found[:10] if isinstance(found, str) else ""


def registry_version_record(*, study: Study, record: RegistryStudy, file: RegistryFile, user: User | None) -> None:
    """Record what an import brought as an accepted version of the study's record: a new row for new content; the
    same content again (imported, or a pending version accepted through the import) becomes the accepted one.
    One statement whatever happened (an upsert on the study and the content hash)."""
    content_hash, document = canonical_record(record.raw)
    now = timezone.now()
    version = RegistryRecordVersion(
        team_id=study.team_id,
        study=study,
        registry_id=record.registry_id,
        raw_format=record.raw_format,
        raw_record=record.raw,
        content_hash=content_hash,
        origin=file.origin,
        origin_detail=(file.source or file.name)[:300],
        retrieved_at=file.retrieved_at or now,
        last_update_posted=last_update_posted(document),
        status=RegistryRecordVersion.Status.ACCEPTED,
        decided_by=user,
        decided_at=now,
    )
    RegistryRecordVersion.objects.bulk_create(
        [version],
        update_conflicts=True,
        unique_fields=["study", "content_hash"],
        update_fields=["status", "decided_by", "decided_at"],
    )


def last_accepted(study_id: int) -> RegistryRecordVersion | None:
    """The version the study's facts stand on: the one accepted last."""
    return (
        RegistryRecordVersion.objects.filter(study_id=study_id, status=RegistryRecordVersion.Status.ACCEPTED)
        .order_by("-decided_at", "-pk")
        .first()
    )


def parsed_study(raw: str, registry_id: str) -> RegistryStudy | None:
    """The study of that id in a stored version's text (one study, as the import kept it)."""
    studies = parse_registry_file(raw.encode())
    return next((s for s in studies if s.registry_id == registry_id), studies[0] if studies else None)


def record_changes(old: RegistryStudy | None, new: RegistryStudy) -> list[dict[str, Any]]:
    """What differs, field by field: ``{"field", "label", "old", "new"}`` for a value, ``{"field", "label",
    "added", "removed"}`` for a list. With no earlier version every field the record fills is new."""
    changes: list[dict[str, Any]] = []
    for spec in dataclasses.fields(new):  # the record's own fields: those a parser adds later are compared too
        name = spec.name
        if name in NOT_COMPARED:
            continue
        before = getattr(old, name, None) if old is not None else None
        after = getattr(new, name)
        label = name.replace("_", " ")
        if isinstance(after, list) or isinstance(before, list):
            was = {shown(item) for item in before or []}
            now = {shown(item) for item in after or []}
            if was != now:
                added, removed = sorted(now - was), sorted(was - now)
                changes.append({"field": name, "label": label, "added": added, "removed": removed})
        elif shown(before) != shown(after):
            changes.append({"field": name, "label": label, "old": shown(before), "new": shown(after)})
    return changes


def shown(value: object) -> str:
    """A value as a person reads it in a comparison; a dataclass as its filled fields, its place in the file left
    out (the same site at another line is the same site)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [shown(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in NOT_COMPARED]
        return ", ".join(part for part in parts if part)
    if isinstance(value, list):
        return "; ".join(shown(item) for item in value)
    return str(value)

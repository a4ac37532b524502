"""Loading a directory file (``assets/directory/hospitals.json`` by default): all or nothing, and idempotent.

A hospital of the file is the directory's entry with the same English name and city, else the one the matcher
links confidently, else a new entry. An existing entry keeps every value a curator gave it: the file only fills in
what is blank or unknown, and never marks a grade verified. Aliases are added once.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateField, Field

from assets.directory.matching import directory_load, site_match
from assets.directory.services import alias_add
from assets.kinds import HOSPITAL
from assets.models import Hospital, HospitalAlias
from assets.models.hospitals import normalise_name
from assets.services import fact_save

if TYPE_CHECKING:
    from teams.models import User

DEFAULT_FILE = Path(__file__).with_name("hospitals.json")
# A file never marks a grade verified: that is a curator's act. The name and city say which hospital it is.
NEVER_FROM_FILE = frozenset({"grade_verified", "grade_verified_on"})
IDENTITY = frozenset({"name_en", "city"})


def _file_fields() -> list[Field[Any, Any]]:
    """The hospital's fields a directory file may give: the kinds registry's, less what only a curator sets."""
    return [HOSPITAL.model_field(name) for name in HOSPITAL.field_names if name not in NEVER_FROM_FILE]


@dataclass
class DirectoryLoad:
    created: int = 0
    updated: int = 0
    aliases_added: int = 0


@dataclass
class _Entry:
    hospital: Hospital  # as the file describes it (unsaved)
    aliases: list[tuple[str, str]]


def directory_file_read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"{path.name}: cannot be read as a JSON file ({error}).") from error


def _entries(data: Any) -> list[_Entry]:
    """Every hospital of the file, checked by the models' own rules; every problem named with its place."""
    problems: list[str] = []
    hospitals = data.get("hospitals") if isinstance(data, dict) else None
    if not isinstance(hospitals, list):
        raise ValidationError('The file must be an object with a "hospitals" list.')
    entries: list[_Entry] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(hospitals):
        place = f"hospitals[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{place}: must be an object")
            continue
        values, aliases = _values(item, place, problems)
        hospital = Hospital(**values)
        try:
            hospital.full_clean(exclude=["name_key", "city_key"])
        except ValidationError as error:
            problems += [f"{place}.{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()]
            continue
        key = (normalise_name(hospital.name_en), normalise_name(hospital.city))
        if key in seen:
            problems.append(f"{place}: {hospital.name_en} ({hospital.city}) is listed twice")
        seen.add(key)
        entries.append(_Entry(hospital, aliases))
    if problems:
        raise ValidationError(problems)
    return entries


def _values(item: dict[str, Any], place: str, problems: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    values: dict[str, Any] = {}
    for field in _file_fields():
        value = item.get(field.name)
        if value is None:
            continue
        if isinstance(field, DateField):
            try:
                values[field.name] = dt.date.fromisoformat(str(value))
            except ValueError:
                problems.append(f"{place}.{field.name}: must be a date as YYYY-MM-DD")
        elif isinstance(value, str):
            values[field.name] = value.strip()
        else:
            problems.append(f"{place}.{field.name}: must be text")
    aliases: list[tuple[str, str]] = []
    for number, alias in enumerate(item.get("aliases") or []):
        text, kind = (alias.get("text"), alias.get("kind")) if isinstance(alias, dict) else (None, None)
        if not isinstance(text, str) or not text.strip() or len(text) > 300:
            problems.append(f"{place}.aliases[{number}].text: must be a name of at most 300 characters")
        elif kind not in HospitalAlias.Kind.values:
            problems.append(f"{place}.aliases[{number}].kind: must be one of {', '.join(HospitalAlias.Kind.values)}")
        else:
            aliases.append((text.strip(), kind))
    return values, aliases


@transaction.atomic
def directory_file_load(*, data: Any, user: User | None) -> DirectoryLoad:
    """Load a directory file's hospitals and aliases; a file with any problem writes nothing."""
    entries = _entries(data)
    result = DirectoryLoad()
    directory = directory_load()
    for entry in entries:
        hospital, created = _existing_or_new(entry.hospital, directory, user=user)
        if created:
            result.created += 1
            directory.add_hospital(hospital)
        elif _fill_blanks(hospital, entry.hospital, user=user):
            result.updated += 1
        for text, kind in entry.aliases:
            if alias_add(hospital=hospital, text=text, kind=kind, user=user) is not None:
                result.aliases_added += 1
    return result


def _existing_or_new(described: Hospital, directory: Any, *, user: User | None) -> tuple[Hospital, bool]:
    key = (normalise_name(described.name_en), normalise_name(described.city))
    same = Hospital.objects.filter(name_key=key[0], city_key=key[1]).first()
    if same is not None:
        return same, False
    match = site_match(directory, names=[described.name_en, described.name_zh], city=described.city)
    if match.hospital_id is not None:
        return Hospital.objects.get(pk=match.hospital_id), False
    return fact_save(instance=described, user=user), True


def _fill_blanks(hospital: Hospital, described: Hospital, *, user: User | None) -> bool:
    """What the entry lacks and the file knows; a curator's values stay."""
    changed = False
    for field in _file_fields():
        if field.name in IDENTITY:
            continue
        blank = (field.default,) if field.choices else ("", None)  # a choice's default is "unknown"
        if getattr(hospital, field.name) in blank and getattr(described, field.name) not in blank:
            setattr(hospital, field.name, getattr(described, field.name))
            changed = True
    if changed:
        fact_save(instance=hospital, user=user)
    return changed

"""A dossier into a team's facts: all of it or none of it, and every problem reported at once.

The schema checks the shape and formats; the models (through fact_save, so each write is validated and recorded
in history with the importing user) check the rules that need the database or more than one field. Both kinds of
problem come back together in one DossierError, each at the JSON path of the value to fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from assets.dossier.errors import DossierError, DossierProblem, sorted_problems
from assets.dossier.schema import schema_problems
from assets.dossier.writer import DossierWriter, counter
from assets.kinds import ASSET, KINDS, FactKind, children_of, listed_kinds, referred_kind, referred_kinds
from assets.models import Asset
from assets.signals import facts_batch
from teams.untrusted import UntrustedInput, json_loads_untrusted

if TYPE_CHECKING:
    from teams.models import DealTeam, User

# Without these the rest of the document cannot be read as this format at all.
_FATAL_PATHS = frozenset({"$", "$.format", "$.version"})

# The order counts are shown in (the registry's, the facts first), kinds not written left out of the summary.
COUNT_ORDER = (
    *(counter(kind) for kind in KINDS),
    *(counter(kind, what) for kind in referred_kinds() for what in ("created", "matched")),
)


@dataclass(frozen=True)
class DossierImportResult:
    """The asset as now stored, whether the import created it, and how many objects of each kind were written."""

    asset: Asset
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for a person: which asset, created or updated, and what went in."""
        verb = "Created" if self.created else "Updated"
        parts = [f"{kind.replace('_', ' ')}: {count}" for kind, count in self.counts.items() if count]
        return f"{verb} asset {self.asset.code} in team {self.asset.team.slug}: {', '.join(parts) or 'no children'}."


def dossier_loads(raw: bytes | str) -> dict[str, Any]:
    """Parse a dossier file, refusing with a clear, located message what is not UTF-8 JSON holding one object."""
    text = _decode(raw) if isinstance(raw, bytes) else raw
    try:
        document = json_loads_untrusted(
            text.removeprefix("\ufeff"), object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants
        )
    except json.JSONDecodeError as error:
        raise DossierError(
            [DossierProblem("$", f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}")]
        ) from error
    except UntrustedInput as error:
        raise DossierError([DossierProblem(error.place, f"not accepted in a dossier: {error.message}")]) from error
    except _NotStrictJson as error:
        raise DossierError([DossierProblem("$", f"not valid JSON for a dossier: {error}")]) from error
    if not isinstance(document, dict):
        kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
        kind = kinds.get(type(document), "a number")
        raise DossierError([DossierProblem("$", f"the document must be a JSON object, not {kind}")])
    return document


def dossier_import(*, team: DealTeam, document: dict[str, Any], user: User | None) -> DossierImportResult:
    """Create or update the team's asset with the document's code; its children are replaced by the document's.

    Raises DossierError (nothing written) listing every problem found by the schema, the references between
    objects and the models.
    """
    problems = schema_problems(document)
    if fatal := [problem for problem in problems if problem.path in _FATAL_PATHS]:
        raise DossierError(fatal)  # the rest would be judged against a format the document does not claim
    problems += reference_problems(document)
    writer = DossierWriter(team=team, user=user, skip=frozenset(problem.path for problem in problems))
    try:
        # One findings recompute for the whole dossier, sent before the commit; none if anything is refused.
        with transaction.atomic(), facts_batch():
            asset, created = writer.write(document)
            problems = sorted_problems([*problems, *writer.problems])
            if problems:
                raise DossierError(problems)  # inside the block: everything written so far is rolled back
    except IntegrityError as error:
        raise DossierError([DossierProblem("$", f"the database refused the dossier: {error}")]) from error
    counts = {kind: writer.counts[kind] for kind in COUNT_ORDER if writer.counts[kind]}
    return DossierImportResult(asset=asset, created=created, counts=counts)


def reference_problems(document: dict[str, Any]) -> list[DossierProblem]:
    """Companies are listed once and referred to by name; a name that is not listed is a broken reference."""
    problems = []
    names: dict[FactKind, set[str]] = {}
    for kind in listed_kinds():
        (key,) = kind.natural_key
        listed: dict[str, str] = {}  # casefolded name -> where it is first listed (matching ignores case)
        names[kind] = set()
        for index, obj in _items(document.get(kind.key)):
            name = obj.get(key)
            if not isinstance(name, str):
                continue
            path = f"$.{kind.key}[{index}].{key}"
            if name.casefold() in listed:
                problems.append(DossierProblem(path, f"{name!r} is listed twice (also at {listed[name.casefold()]})"))
            listed.setdefault(name.casefold(), path)
            names[kind].add(name)
    for kind, obj, path in _objects(document):
        for reference in kind.references:
            target = referred_kind(kind, reference.name)
            name = obj.get(reference.name)
            if target in names and isinstance(name, str) and name not in names[target]:
                problem = f"{name!r} is not the name of a {target.verbose_name} listed in $.{target.key}"
                problems.append(DossierProblem(f"{path}.{reference.name}", problem))
    return problems


def _objects(document: dict[str, Any]) -> Iterator[tuple[FactKind, dict[str, Any], str]]:
    """The asset and every object under it, with its JSON path, as far as the document has the right shape."""
    if isinstance(asset := document.get(ASSET.key), dict):
        yield ASSET, asset, f"$.{ASSET.key}"
    yield from _below(ASSET, document, "$")


def _below(kind: FactKind, obj: dict[str, Any], path: str) -> Iterator[tuple[FactKind, dict[str, Any], str]]:
    for child in children_of(kind):
        value, where = obj.get(child.key), f"{path}.{child.key}"
        if child.singular:
            found = [(value, where)] if isinstance(value, dict) else []
        else:
            found = [(item, f"{where}[{index}]") for index, item in _items(value)]
        for item, item_path in found:
            yield child, item, item_path
            yield from _below(child, item, item_path)


def _items(value: object) -> list[tuple[int, dict[str, Any]]]:
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


class _NotStrictJson(ValueError):
    """What Python's json module lets through but JSON (RFC 8259) or a dossier does not."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON lets a key repeat and keeps the last value silently; in a dossier that hides a mistake."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _NotStrictJson(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constants(name: str) -> object:
    raise _NotStrictJson(f"{name} is not a JSON value")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = (
            f"not UTF-8 text: byte 0x{raw[error.start]:02x} at line {line}, column {column} is not valid UTF-8 "
            "(save the file as UTF-8)"
        )
        raise DossierError([DossierProblem("$", message)]) from error

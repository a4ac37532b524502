"""Two memo snapshots side by side: every fact that differs, each named as people read it ("Facts › Study
NCT03090659 › Planned enrolment"), never by its JSON path (``dossier.studies[0].planned_enrollment``)."""

from __future__ import annotations

from dataclasses import dataclass

from assets.kinds import ALL_KINDS, FactKind, referred_kind
from teams.labels import field_label, value_label

# Keys that differ between any two renders and say nothing about the facts.
IGNORED = frozenset({"generated_at", "changes"})

# The snapshot's sections, as the memo names them.
SECTIONS = {
    "memo": "Memo",
    "illustrative": "Illustrative data",
    "asset": "Asset",
    "verdict": "Verdict",
    "review": "Checklist",
    "questions": "Questions",
    "findings": "Findings",
    "timelines": "Timelines",
    "deal": "Deal terms",
    "registration_plan": "Registration plan",
    "studies": "Studies table",
    "evidence": "Evidence matrix",
    "sites": "Sites table",
    "hgr_filings": "HGR filings table",
    "regulations": "Regulations",
    "dossier": "Facts",
}
# Keys of the display sections whose words alone would not say what they are.
KEY_LABELS = {
    "generated_display": "Generated",
    "generated_on": "Generated on",
    "today": "Facts as of",
    "inn_name": "INN",
    "phase_china": "Highest phase (China)",
    "phase_us": "Highest phase (US)",
    "what_it_would_take": "What it would take",
    "light_label": "Light",
    "severity_display": "Severity",
    "status_display": "Status",
    "nct_id": "NCT id",
    "hgr": "HGR",
}
# What tells one element of a list from another, in order of preference.
NAMING_KEYS = (
    "nct_id", "chictr_id", "ctr_id", "other_registry_id", "code", "name_en", "name", "heading", "number",
    "filing_number", "reference_number", "title", "clock", "key", "label", "rule",
)  # fmt: skip
KINDS_BY_KEY: dict[str, FactKind] = {kind.key: kind for kind in ALL_KINDS if kind.key}


@dataclass(frozen=True)
class DiffRow:
    path: str  # where the value sits in the snapshot: stable, for matching rows; never shown
    label: str
    old: str
    new: str

    @property
    def kind(self) -> str:
        if not self.old:
            return "added"
        if not self.new:
            return "removed"
        return "changed"


@dataclass
class _Leaf:
    label: str
    text: str


def _flatten(value: object, path: str, trail: tuple[str, ...], kind: FactKind | None, out: dict[str, _Leaf]) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            if key in IGNORED:
                continue
            child_kind, name = _key(key, trail, kind)
            if child_kind is kind and kind is not None and key not in {r.name for r in kind.references}:
                child = value[key]
                if not isinstance(child, dict | list):  # a field of the kind: its value as the model labels it
                    if child not in (None, ""):
                        label = " › ".join((*trail, name))
                        out[f"{path}.{key}" if path else key] = _Leaf(label, value_label(kind.model, key, child))
                    continue
            _flatten(value[key], f"{path}.{key}" if path else str(key), (*trail, name), child_kind, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(
                item,
                f"{path}[{index}]",
                (*trail[:-1], _element(trail[-1] if trail else "", item, index, kind)),
                kind,
                out,
            )
    elif value not in (None, ""):
        out[path] = _Leaf(" › ".join(trail), str(value))


def _key(key: str, trail: tuple[str, ...], kind: FactKind | None) -> tuple[FactKind | None, str]:
    """The kind of fact below ``key`` and the words for it."""
    if not trail:
        return None, SECTIONS.get(key, _words(key))
    if trail[0] == "Facts":
        if kind is not None and key in {r.name for r in kind.references}:
            return referred_kind(kind, key), field_label(kind.model, key)
        below = KINDS_BY_KEY.get(key)
        if below is not None:
            return below, _plural(below)
        if kind is not None:
            return kind, field_label(kind.model, key)
    return None, KEY_LABELS.get(key, _words(key))


def _element(container: str, item: object, index: int, kind: FactKind | None) -> str:
    """One element of a list: its kind and what names it (``Study NCT03090659``), or its place (``Findings #3``)."""
    name = ""
    if isinstance(item, dict):
        name = next((str(item[key]) for key in NAMING_KEYS if isinstance(item.get(key), str | int) and item[key]), "")
        hospital = item.get("hospital")
        if not name and isinstance(hospital, dict):
            name = str(hospital.get("name_en") or "")
    elif isinstance(item, str | int):
        name = str(item)
    if kind is not None:
        noun = kind.verbose_name.capitalize()
        return f"{noun} {name}" if name else f"{noun} #{index + 1}"
    return f"{container}: {name}" if name else f"{container} #{index + 1}"


def _plural(kind: FactKind) -> str:
    return str(kind.model._meta.verbose_name_plural).capitalize()


def _words(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def snapshot_diff(*, old: dict | None, new: dict | None) -> list[DiffRow]:
    before: dict[str, _Leaf] = {}
    after: dict[str, _Leaf] = {}
    _flatten(old or {}, "", (), None, before)
    _flatten(new or {}, "", (), None, after)
    rows = []
    for path in sorted(set(before) | set(after)):
        was, now = before.get(path), after.get(path)
        if (was and was.text) != (now and now.text):
            label = (now or was).label  # type: ignore[union-attr]  # one of the two is there
            rows.append(DiffRow(path, label, was.text if was else "", now.text if now else ""))
    return rows

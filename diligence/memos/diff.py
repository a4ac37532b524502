"""Two memo snapshots side by side: every fact that differs, by its place in the snapshot."""

from __future__ import annotations

from dataclasses import dataclass

# Keys that differ between any two renders and say nothing about the facts.
IGNORED = frozenset({"generated_at", "changes"})


@dataclass(frozen=True)
class DiffRow:
    path: str
    old: str
    new: str

    @property
    def kind(self) -> str:
        if not self.old:
            return "added"
        if not self.new:
            return "removed"
        return "changed"


def _flatten(value: object, path: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key in sorted(value):
            if key not in IGNORED:
                _flatten(value[key], f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", out)
    elif value not in (None, ""):
        out[path] = str(value)


def snapshot_diff(*, old: dict | None, new: dict | None) -> list[DiffRow]:
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    _flatten(old or {}, "", before)
    _flatten(new or {}, "", after)
    paths = sorted(set(before) | set(after))
    return [DiffRow(p, before.get(p, ""), after.get(p, "")) for p in paths if before.get(p) != after.get(p)]

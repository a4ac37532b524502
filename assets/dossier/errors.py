"""What a refused dossier reports: every problem, each at the JSON path of the value a person has to fix."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PATH_PART = re.compile(r"\[(\d+)\]|\.([A-Za-z_][A-Za-z0-9_]*)|\[(\"(?:[^\"\\]|\\.)*\")\]")


@dataclass(frozen=True)
class DossierProblem:
    """One bad value: ``path`` like ``$.studies[0].sites[1].ethics_approvals[0].approval_date``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DossierError(Exception):
    """A dossier was refused and nothing was written; ``problems`` says what to fix, and where."""

    def __init__(self, problems: Iterable[DossierProblem]) -> None:
        self.problems = sorted_problems(problems)
        count = len(self.problems)
        summary = f"The dossier was refused ({count} problem{'s' if count != 1 else ''}); nothing was written."
        super().__init__("\n".join([summary, *map(str, self.problems)]))


def json_path(parts: Sequence[str | int]) -> str:
    """``["studies", 0, "title"]`` -> ``$.studies[0].title``."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            text += f'["{escaped}"]'
    return text


def _sort_key(problem: DossierProblem) -> tuple[tuple[int, int | str], ...]:
    """The order of a written dossier (keys sorted, as dossier_dumps writes them): ``[2]`` before ``[10]``."""
    return tuple(
        (0, int(index)) if index else (1, name or quoted) for index, name, quoted in _PATH_PART.findall(problem.path)
    )


def sorted_problems(problems: Iterable[DossierProblem]) -> list[DossierProblem]:
    """Each problem once, in the order its value appears in a written dossier (ties keep the order found)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=_sort_key)

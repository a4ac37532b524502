"""The rule registry: each rule is a small function with an id, its question, a severity and a citation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from diligence.models import QuestionKey, Severity
from diligence.rules.citations import CITATIONS

if TYPE_CHECKING:
    from diligence.rules.facts import AssetFacts


@dataclass(frozen=True)
class Raised:
    """What a rule found about one subject. Severity defaults to the rule's own.

    ``unknown`` marks an open item rather than a breach: a fact the rule needs is not recorded. Its severity is never
    chosen by the rule but follows the house convention (``UNKNOWN_SEVERITY``: one step below the rule's own), and it
    holds its question at "not yet established" until the fact is recorded."""

    subject: str
    message: str
    facts: Mapping[str, object] = field(default_factory=dict)
    severity: str | None = None
    unknown: bool = False

    def __post_init__(self) -> None:
        if self.unknown and self.severity is not None:
            raise ValueError("an open item's severity follows the convention for unknowns; do not set it")


@dataclass(frozen=True)
class Rule:
    id: str
    question: str
    severity: str
    citation: str
    title: str
    remedy: str
    check: Callable[[AssetFacts], Iterable[Raised]]


RULES: dict[str, Rule] = {}


def rule(*, id: str, question: QuestionKey, severity: Severity, citation: str, title: str, remedy: str = ""):
    """Register a rule function. Rules read facts and return findings; they never write."""
    if citation not in CITATIONS:
        raise ValueError(f"rule {id} cites {citation!r}, which is not in the citation catalogue")

    def register(check: Callable[[AssetFacts], Iterable[Raised]]) -> Callable[[AssetFacts], Iterable[Raised]]:
        if id in RULES:
            raise ValueError(f"rule id {id} registered twice")
        RULES[id] = Rule(id, str(question), str(severity), citation, title, remedy, check)
        return check

    return register

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
    """What a rule found about one subject. Severity defaults to the rule's own."""

    subject: str
    message: str
    facts: Mapping[str, object] = field(default_factory=dict)
    severity: str | None = None


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

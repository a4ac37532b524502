"""The finding rules, one small function each (see ``base.rule``), and their evaluation over one asset; the verdict
the stored findings add up to is in ``verdict``."""

from __future__ import annotations

from dataclasses import dataclass

from diligence.rules import ethics, evidence, hgr, order818, ownership, registration  # noqa: F401 - they register
from diligence.rules.base import RULES, Raised, Rule
from diligence.rules.facts import AssetFacts


@dataclass(frozen=True)
class RuleFinding:
    rule: Rule
    raised: Raised

    @property
    def severity(self) -> str:
        return self.raised.severity or self.rule.severity


def evaluate(facts: AssetFacts) -> list[RuleFinding]:
    """Every rule over the asset's facts. Rules never write; the caller stores what they raise."""
    return [RuleFinding(rule, raised) for rule in RULES.values() for raised in rule.check(facts)]


__all__ = ["RULES", "AssetFacts", "RuleFinding", "evaluate"]

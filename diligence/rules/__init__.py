"""The finding rules, one small function each (see ``base.rule``), and their evaluation over one asset; the verdict
the stored findings add up to is in ``verdict``."""

from __future__ import annotations

from dataclasses import dataclass

from diligence.models import UNKNOWN_SEVERITY, FindingKind
from diligence.rules import ethics, evidence, hgr, order818, ownership, registration, registries  # noqa: F401 - they register
from diligence.rules.base import RULES, Raised, Rule
from diligence.rules.facts import AssetFacts


@dataclass(frozen=True)
class RuleFinding:
    rule: Rule
    raised: Raised

    @property
    def severity(self) -> str:
        if self.raised.unknown:
            return UNKNOWN_SEVERITY[self.rule.severity]
        return self.raised.severity or self.rule.severity

    @property
    def kind(self) -> str:
        return FindingKind.UNKNOWN if self.raised.unknown else FindingKind.BREACH


def evaluate(facts: AssetFacts) -> list[RuleFinding]:
    """Every rule over the asset's facts. Rules never write; the caller stores what they raise."""
    return [RuleFinding(rule, raised) for rule in RULES.values() for raised in rule.check(facts)]


__all__ = ["RULES", "AssetFacts", "RuleFinding", "evaluate"]

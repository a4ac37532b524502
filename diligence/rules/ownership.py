"""Ownership: clean, transferable title to the data and IP from institution and investigator."""

from __future__ import annotations

from collections.abc import Iterator

from assets.models import TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts

PARTIES = (("institution", "institution_assignment"), ("investigator", "investigator_assignment"))


@rule(
    id="ownership-assignment",
    question=QuestionKey.OWNERSHIP,
    severity=Severity.HIGH,
    citation="DQ-OWNERSHIP",
    title="No executed assignment of data and IP rights from the institution and the investigator",
    remedy="Obtain executed assignments (or licences) of the study data and IP from the hospital and the investigator "
    "to the licensor before signing.",
)
def ownership_assignment(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: an IIT whose institution or investigator assignment is recorded as not executed. Unknown (an open
    item): whether it is (no evidence record, or the answer unknown)."""
    for study in facts.iit_studies:
        evidence = facts.evidence(study)
        answers = {party: getattr(evidence, field) if evidence else TriState.UNKNOWN for party, field in PARTIES}
        refused = [party for party, answer in answers.items() if answer == TriState.NO]
        unknown = [party for party, answer in answers.items() if answer == TriState.UNKNOWN]
        if refused:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"No executed assignment of the data and IP rights of {study} from the "
                f"{' or the '.join(refused)}.",
                facts={"study": str(study), "missing_from": refused, "unknown_from": unknown},
            )
        elif unknown:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"Whether the {' and the '.join(unknown)} assigned the data and IP rights of {study} is not "
                "known.",
                facts={"study": str(study), "unknown_from": unknown},
                unknown=True,
            )

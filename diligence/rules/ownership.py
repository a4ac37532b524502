"""Ownership: clean, transferable title to the data and IP from institution and investigator."""

from __future__ import annotations

from collections.abc import Iterator

from assets.models import TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts


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
    for study in facts.iit_studies:
        evidence = facts.evidence(study)
        missing = [
            party
            for party, field in (("institution", "institution_assignment"), ("investigator", "investigator_assignment"))
            if evidence is None or getattr(evidence, field) != TriState.YES
        ]
        if missing:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"No executed assignment of the data and IP rights of {study} from the "
                f"{' or the '.join(missing)}.",
                facts={"study": str(study), "missing_from": missing},
            )

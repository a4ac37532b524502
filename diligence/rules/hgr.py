"""[HGR-2024] Foreign use of Chinese human genetic resources, and data sent abroad, need their filings."""

from __future__ import annotations

from collections.abc import Iterator

from assets.models import HGRFiling, Study, TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts

CHINA = {"china", "cn", "prc", "people's republic of china"}


def _in_force(study: Study, kinds: frozenset[str]) -> list[HGRFiling]:
    return [f for f in study.hgr_filings.all() if f.kind in kinds and f.in_force]


def _foreign_parties(facts: AssetFacts, study: Study) -> list[str]:
    """Who abroad touches the study's samples or data: a named foreign party, or a foreign funding company."""
    parties = []
    evidence = facts.evidence(study)
    if evidence is not None and evidence.foreign_party_involved == TriState.YES:
        parties.append(evidence.foreign_party or "a foreign party")
    funder = study.funding_company
    if funder is not None and funder.country and funder.country.strip().lower() not in CHINA:
        parties.append(f"{funder.name} (funder, {funder.country})")
    return parties


@rule(
    id="hgr-foreign-use",
    question=QuestionKey.HGR_EXPORT,
    severity=Severity.HIGH,
    citation="HGR-2024",
    title="Foreign involvement in samples or data without an HGR international cooperation approval or filing",
    remedy="Obtain the international cooperation approval or filing, with a Chinese partner, before any further use; "
    "assess whether past use taints the data.",
)
def hgr_foreign_use(facts: AssetFacts) -> Iterator[Raised]:
    for study in facts.studies:
        parties = _foreign_parties(facts, study)
        if parties and not _in_force(study, HGRFiling.INTERNATIONAL_COOPERATION):
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"{', '.join(parties)} is involved in {study}, and no HGR international cooperation approval "
                "or filing is in force.",
                facts={
                    "study": str(study),
                    "foreign_parties": parties,
                    "hgr_filings": [f.get_kind_display() for f in study.hgr_filings.all()],
                },
            )


@rule(
    id="hgr-outbound-data",
    question=QuestionKey.HGR_EXPORT,
    severity=Severity.HIGH,
    citation="HGR-2024",
    title="Data sent abroad without an outbound provision filing",
    remedy="File the outbound provision of data (and any required security assessment) before more data leaves China.",
)
def hgr_outbound_data(facts: AssetFacts) -> Iterator[Raised]:
    for study in facts.studies:
        evidence = facts.evidence(study)
        if evidence is None or evidence.data_sent_abroad != TriState.YES:
            continue
        if not _in_force(study, frozenset({HGRFiling.Kind.OUTBOUND_DATA_FILING})):
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"Data from {study} has been sent abroad without an outbound provision of data filing.",
                facts={"study": str(study), "note": evidence.data_sent_abroad_note},
            )

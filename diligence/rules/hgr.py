"""[HGR-2024] Foreign use of Chinese human genetic resources, and data or samples sent abroad, need their filings."""

from __future__ import annotations

from collections.abc import Iterator

from assets.models import HGRFiling, Study, TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import CHINA, AssetFacts


def _in_force(study: Study, kinds: frozenset[str]) -> list[HGRFiling]:
    return [f for f in study.hgr_filings.all() if f.kind in kinds and f.in_force]


def _foreign_parties(facts: AssetFacts, study: Study) -> tuple[list[str], list[str]]:
    """(who abroad touches the study's samples or data: a named foreign party or a foreign funding company; what is
    not known about it: the foreign-party answer, a funder's country)."""
    parties, unknown = [], []
    evidence = facts.evidence(study)
    involved = evidence.foreign_party_involved if evidence else TriState.UNKNOWN
    if involved == TriState.YES and evidence is not None:
        parties.append(evidence.foreign_party or "a foreign party")
    elif involved == TriState.UNKNOWN:
        unknown.append("whether a foreign party is involved")
    funder = study.funding_company
    if funder is not None and not funder.country.strip():
        unknown.append(f"the country of its funder {funder.name}")
    elif funder is not None and funder.country.strip().lower() not in CHINA:
        parties.append(f"{funder.name} (funder, {funder.country})")
    return parties, unknown


def _cited(study: Study, parties: list[str]) -> dict[str, object]:
    """The facts a foreign-involvement finding stands on: the study, who abroad is involved, its HGR filings."""
    return {
        "study": str(study),
        "foreign_parties": parties,
        "hgr_filings": [f.get_kind_display() for f in study.hgr_filings.all()],
    }


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
    """Breach: a foreign party (or foreign funder) involved and no international cooperation approval or filing in
    force. Unknown (an open item): whether a foreign party is involved, or where the funder is. Scope: studies that
    may hold Chinese human genetic resources (a site in China, or no country known)."""
    for study in facts.studies:
        if not facts.may_be_in_china(study):
            continue
        parties, unknown = _foreign_parties(facts, study)
        if _in_force(study, HGRFiling.INTERNATIONAL_COOPERATION):
            continue
        cited = _cited(study, parties)
        if parties:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"{', '.join(parties)} is involved in {study}, and no HGR international cooperation approval "
                "or filing is in force.",
                facts=cited,
            )
        elif unknown:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"For {study}, {' and '.join(unknown)} is not recorded, and no HGR international cooperation "
                "approval or filing is in force.",
                facts={**cited, "unknown": unknown},
                unknown=True,
            )


@rule(
    id="hgr-defined-case-approval",
    question=QuestionKey.HGR_EXPORT,
    severity=Severity.HIGH,
    citation="HGR-2024",
    title="Foreign involvement in a defined case without an explicit international cooperation approval",
    remedy="Obtain the international cooperation approval (a filing is not enough in a defined case) before any "
    "further foreign use; assess whether past use taints the data.",
)
def hgr_defined_case_approval(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: studies that may hold Chinese human genetic resources with a foreign party (or foreign funder)
    involved; where foreign involvement is unknown, ``hgr-foreign-use`` already raises the open item. Breach: a
    defined case (important genetic families, specific regions, a large population study above the case threshold)
    with no international cooperation approval in force: a filing does not do. Unknown (an open item): whether the
    study is a defined case, while only a filing (or nothing) is in force."""
    for study in facts.studies:
        if not facts.may_be_in_china(study):
            continue
        parties, _unknown = _foreign_parties(facts, study)
        if not parties or _in_force(study, frozenset({HGRFiling.Kind.INTL_COOPERATION_APPROVAL})):
            continue
        evidence = facts.evidence(study)
        defined = evidence.hgr_defined_case if evidence else TriState.UNKNOWN
        if defined == TriState.NO:
            continue
        cited = _cited(study, parties)
        yield Raised(
            subject=f"study:{study.pk}",
            message=(
                f"{study} is an HGR defined case with {', '.join(parties)} involved, and no international "
                "cooperation approval is in force (a filing does not do in a defined case)."
                if defined == TriState.YES
                else f"Whether {study} is an HGR defined case is not recorded; with {', '.join(parties)} involved "
                "it would need an international cooperation approval, which is not in force."
            ),
            facts=cited,
            unknown=defined != TriState.YES,
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
    """Breach: data sent abroad with no outbound provision filing in force. Unknown (an open item): whether data was
    sent abroad, while no such filing is in force. Scope: as ``hgr-foreign-use``."""
    for study in facts.studies:
        if not facts.may_be_in_china(study):
            continue
        if _in_force(study, frozenset({HGRFiling.Kind.OUTBOUND_DATA_FILING})):
            continue
        evidence = facts.evidence(study)
        sent = evidence.data_sent_abroad if evidence else TriState.UNKNOWN
        if sent == TriState.YES:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"Data from {study} has been sent abroad without an outbound provision of data filing.",
                facts={"study": str(study), "note": evidence.data_sent_abroad_note if evidence else ""},
            )
        elif sent == TriState.UNKNOWN:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"Whether data from {study} has been sent abroad is not recorded, and no outbound provision "
                "of data filing is in force.",
                facts={"study": str(study)},
                unknown=True,
            )


@rule(
    id="hgr-sample-export",
    question=QuestionKey.HGR_EXPORT,
    severity=Severity.HIGH,
    citation="HGR-2024",
    title="Samples (human genetic material) sent abroad without an export approval",
    remedy="Obtain the export of material approval, with the Chinese partner, before any further samples leave China; "
    "assess the samples already abroad.",
)
def hgr_sample_export(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: samples sent abroad with no export of material approval in force. Unknown (an open item): whether
    samples were sent abroad, while no such approval is in force. Scope: as ``hgr-foreign-use``."""
    for study in facts.studies:
        if not facts.may_be_in_china(study):
            continue
        if _in_force(study, frozenset({HGRFiling.Kind.MATERIAL_EXPORT_APPROVAL})):
            continue
        evidence = facts.evidence(study)
        sent = evidence.samples_sent_abroad if evidence else TriState.UNKNOWN
        if sent == TriState.NO:
            continue
        yield Raised(
            subject=f"study:{study.pk}",
            message=(
                f"Samples from {study} have been sent abroad without an export of material approval."
                if sent == TriState.YES
                else f"Whether samples from {study} have been sent abroad is not recorded, and no export of material "
                "approval is in force."
            ),
            facts={"study": str(study)},
            unknown=sent != TriState.YES,
        )

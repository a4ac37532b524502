"""Is the data inspection-grade? [CFR-312.120], IIT-grade evidence, and the hygiene of headline claims."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from assets.models import TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts

MIN_PATIENTS_FOR_A_RESPONSE_RATE = 20
MIN_MEDIAN_FOLLOW_UP_MONTHS = Decimal("6")

INSPECTION_READINESS = [
    ("gcp_compliant", "a GCP compliance statement"),
    ("independently_monitored", "independent monitoring records"),
    ("source_records_accessible", "source-record access for an onsite inspection"),
]


@rule(
    id="cfr312-foreign-data",
    question=QuestionKey.DATA_INTEGRITY,
    severity=Severity.HIGH,
    citation="CFR-312.120",
    title="IIT data meant to support a US filing without the GCP conditions the FDA requires",
    remedy="Obtain the GCP statement, monitoring records and inspection access, or plan a GCP confirmatory study.",
)
def cfr312_foreign_data(facts: AssetFacts) -> Iterator[Raised]:
    plan = facts.plan
    if plan is None or not plan.targets_us or plan.us_filing_relies_on_iit == TriState.NO:
        return
    relies = plan.us_filing_relies_on_iit == TriState.YES
    for study in facts.iit_studies:
        evidence = facts.evidence(study)
        missing = [
            label for field, label in INSPECTION_READINESS if evidence is None or getattr(evidence, field) != "yes"
        ]
        if missing:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"The US filing {'relies' if relies else 'may rely'} on {study}, which lacks "
                f"{', '.join(missing)}.",
                facts={
                    "study": str(study),
                    "missing": missing,
                    "us_filing_relies_on_iit": plan.us_filing_relies_on_iit,
                },
                severity=None if relies else Severity.MEDIUM,
            )


@rule(
    id="iit-grade-evidence",
    question=QuestionKey.DATA_INTEGRITY,
    severity=Severity.MEDIUM,
    citation="CFR-312.120",
    title="The clinical evidence is investigator-initiated only: supportive, not pivotal",
    remedy="Treat the IIT as hypothesis-generating; price and plan for a GCP confirmatory MRCT.",
)
def iit_grade_evidence(facts: AssetFacts) -> Iterator[Raised]:
    if facts.evidence_is_iit_only:
        names = [str(s) for s in facts.studies]
        yield Raised(
            subject="asset",
            message=f"All {len(names)} stud{'y' if len(names) == 1 else 'ies'} of {facts.asset.code} "
            f"({', '.join(names)}) are investigator-initiated: the data is supportive, not registration-grade.",
            facts={"studies": names},
        )


@rule(
    id="efficacy-claim-hygiene",
    question=QuestionKey.DATA_INTEGRITY,
    severity=Severity.MEDIUM,
    citation="DQ-EVIDENCE",
    title="Headline response rate on fewer than 20 patients or under 6 months' median follow-up",
    remedy="Discount the claim until a larger or longer-followed cohort confirms it.",
)
def efficacy_claim_hygiene(facts: AssetFacts) -> Iterator[Raised]:
    for study in facts.studies:
        for claim in study.efficacy_claims.all():
            if claim.unit.strip() != "%":
                continue
            problems = []
            if claim.patients < MIN_PATIENTS_FOR_A_RESPONSE_RATE:
                problems.append(f"n={claim.patients} (< {MIN_PATIENTS_FOR_A_RESPONSE_RATE})")
            follow_up = claim.median_follow_up_months
            if follow_up is not None and follow_up < MIN_MEDIAN_FOLLOW_UP_MONTHS:
                problems.append(f"median follow-up {follow_up} months (< 6)")
            if problems:
                yield Raised(
                    subject=f"claim:{claim.pk}",
                    message=f"{claim.endpoint} {claim.value} % in {study} rests on {' and '.join(problems)}.",
                    facts={
                        "study": str(study),
                        "endpoint": claim.endpoint,
                        "value": str(claim.value),
                        "patients": claim.patients,
                        "median_follow_up_months": str(follow_up) if follow_up else None,
                    },
                )

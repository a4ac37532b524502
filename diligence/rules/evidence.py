"""Is the data inspection-grade? [CFR-312.120], IIT-grade evidence, the hygiene of headline claims, and the cost and
time to re-generate IIT-only data to registration grade."""

from __future__ import annotations

from collections.abc import Iterator

from assets.models import TriState
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts

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
    """Breach: the US filing relies on an IIT recorded as lacking a GCP condition. Unknowns (an open item): no
    registration plan, whether the US filing relies on the IIT, or a GCP condition not recorded."""
    plan = facts.plan
    if not facts.iit_studies:
        return
    if plan is None:
        yield Raised(
            subject="asset",
            message=f"{facts.asset.code} has no registration plan on record, so whether a US filing would rely on "
            "its investigator-initiated data is not known.",
            unknown=True,
        )
        return
    if not plan.targets_us or plan.us_filing_relies_on_iit == TriState.NO:
        return
    relies = plan.us_filing_relies_on_iit == TriState.YES
    for study in facts.iit_studies:
        evidence = facts.evidence(study)
        answers = {
            label: getattr(evidence, field) if evidence else TriState.UNKNOWN for field, label in INSPECTION_READINESS
        }
        lacking = [label for label, answer in answers.items() if answer == TriState.NO]
        unknown = [label for label, answer in answers.items() if answer == TriState.UNKNOWN]
        if not lacking and not unknown:
            continue
        cited = {
            "study": str(study),
            "missing": lacking,
            "unknown": unknown,
            "us_filing_relies_on_iit": plan.us_filing_relies_on_iit,
        }
        if relies and lacking:
            yield Raised(
                subject=f"study:{study.pk}",
                message=f"The US filing relies on {study}, which lacks {', '.join(lacking)}."
                + (f" Not recorded: {', '.join(unknown)}." if unknown else ""),
                facts=cited,
            )
            continue
        gaps = [f"lacks {', '.join(lacking)}"] if lacking else []
        gaps += [f"has no record of {', '.join(unknown)}"] if unknown else []
        yield Raised(
            subject=f"study:{study.pk}",
            message=f"The US filing {'relies' if relies else 'may rely (not recorded)'} on {study}, which "
            f"{' and '.join(gaps)}.",
            facts=cited,
            unknown=True,
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
    """Raised when every study is investigator-initiated. Unknowns (an open item): no study on record, or a study
    whose sponsor type is unknown (the evidence cannot be graded)."""
    if not facts.studies:
        yield Raised(
            subject="asset",
            message=f"{facts.asset.code} has no study on record: the grade of its clinical evidence is not known.",
            unknown=True,
        )
        return
    unclassified = [str(s) for s in facts.studies if s.sponsor_type == s.SponsorType.UNKNOWN]
    if unclassified:
        yield Raised(
            subject="sponsor-types",
            message=f"The sponsor type of {', '.join(unclassified)} is not known, so whether the evidence is "
            "investigator-initiated only is not known.",
            facts={"studies": unclassified},
            unknown=True,
        )
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
    title="Headline response rate on too few patients or too short a median follow-up (house policy)",
    remedy="Discount the claim until a larger or longer-followed cohort confirms it.",
)
def efficacy_claim_hygiene(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: a response rate on fewer patients, or a shorter median follow-up, than house policy asks (staff edit
    the values in the admin; they are the firm's, not a regulation's). Unknown (an open item): its median follow-up
    not recorded."""
    min_patients, min_follow_up = facts.policy.min_response_rate_patients, facts.policy.min_median_follow_up_months
    for study in facts.studies:
        for claim in study.efficacy_claims.all():
            if claim.unit.strip() != "%":
                continue
            problems = []
            if claim.patients < min_patients:
                problems.append(f"n={claim.patients} (house policy: at least {min_patients})")
            follow_up = claim.median_follow_up_months
            if follow_up is not None and follow_up < min_follow_up:
                problems.append(f"median follow-up {follow_up} months (house policy: at least {min_follow_up})")
            if not problems and follow_up is None:
                yield Raised(
                    subject=f"claim:{claim.pk}",
                    message=f"{claim.endpoint} {claim.value} % in {study}: the median follow-up is not recorded, so "
                    "whether it is long enough for the claim is not known.",
                    facts={"study": str(study), "endpoint": claim.endpoint, "patients": claim.patients},
                    unknown=True,
                )
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
                        "house_policy": {
                            "min_response_rate_patients": min_patients,
                            "min_median_follow_up_months": str(min_follow_up),
                        },
                    },
                )


@rule(
    id="regeneration-estimate",
    question=QuestionKey.DATA_INTEGRITY,
    severity=Severity.MEDIUM,
    citation="DQ-EVIDENCE",
    title="The cost and time to re-generate the data to registration grade",
    remedy="Estimate the cost and time of a GCP confirmatory program (the registration plan) and price it in the deal.",
)
def regeneration_estimate(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: the IIT is the only evidence. Stated (information) when the plan records both the cost and the time to
    re-generate the data to registration grade. Unknown (an open item): no plan, or either estimate missing."""
    if not facts.evidence_is_iit_only:
        return
    plan = facts.plan
    cost = plan.regeneration_cost_usd if plan else None
    months = plan.regeneration_months if plan else None
    if cost is None or months is None:
        missing = [label for label, value in (("cost", cost), ("time", months)) if value is None]
        yield Raised(
            subject="asset",
            message=f"{facts.asset.code}'s only evidence is investigator-initiated, and the "
            f"{' and the '.join(missing)} to re-generate it to registration grade "
            + ("is" if len(missing) == 1 else "are")
            + " not estimated.",
            facts={"regeneration_cost_usd": str(cost) if cost is not None else None, "regeneration_months": months},
            unknown=True,
        )
        return
    yield Raised(
        subject="asset",
        message=f"Re-generating {facts.asset.code}'s data to registration grade is estimated at USD {cost:,.0f} "
        f"over {months} months.",
        facts={"regeneration_cost_usd": str(cost), "regeneration_months": months},
        severity=Severity.INFO,
    )

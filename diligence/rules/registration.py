"""Registration plan: an MRCT [ICH-E17], the NMPA-86 clocks, the US-APPROP watch and the overpayment trap."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings

from assets.models import INDApplication, TriState
from assets.selectors import ind_deadlines
from diligence.models import QuestionKey, Severity
from diligence.rules.base import Raised, rule
from diligence.rules.facts import AssetFacts


@rule(
    id="ich-e17-no-mrct",
    question=QuestionKey.REGISTRATION,
    severity=Severity.MEDIUM,
    citation="ICH-E17",
    title="Every site is in China and no multi-regional confirmatory trial is planned",
    remedy="Plan a GCP MRCT with Chinese and ex-China sites and pre-specified regional subgroups.",
)
def ich_e17_no_mrct(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: every site in China and the plan says no MRCT. Unknown (an open item): no registration plan, or
    whether an MRCT is planned not recorded."""
    if not facts.studies or not facts.all_sites_in_china:
        return
    planned = facts.plan.mrct_planned if facts.plan else TriState.UNKNOWN
    if planned == TriState.YES:
        return
    yield Raised(
        subject="asset",
        message=f"All sites of {facts.asset.code}'s studies are in China and "
        + (
            "the registration plan has no MRCT."
            if planned == TriState.NO
            else "whether the registration plan has an MRCT is not recorded."
        ),
        facts={"mrct_planned": facts.plan.mrct_planned if facts.plan else None},
        unknown=planned != TriState.NO,
    )


@rule(
    id="us-approp-watch",
    question=QuestionKey.REGISTRATION,
    severity=Severity.INFO,
    citation="US-APPROP",
    title="A US filing plan resting on data from sites in China only",
    remedy="Watch the appropriations process; keep an ex-China data path in the plan.",
)
def us_approp_watch(facts: AssetFacts) -> Iterator[Raised]:
    """A watch item (information), not a rule. Unknowns: none of its own; a missing plan is an open item of
    ``ich-e17-no-mrct`` and ``cfr312-foreign-data``."""
    if facts.plan is not None and facts.plan.targets_us and facts.studies and facts.all_sites_in_china:
        yield Raised(
            subject="asset",
            message=f"The plan targets the US and all of {facts.asset.code}'s clinical data comes from sites in China.",
            facts={"target_markets": facts.plan.target_markets},
        )


@rule(
    id="nmpa86-timeline",
    question=QuestionKey.REGISTRATION,
    severity=Severity.MEDIUM,
    citation="NMPA-86",
    title="NMPA-86 IND review beyond its working-day target, or no first Chinese dose within 12 weeks of clearance",
    remedy="Explain the delay; a lapsed first-dose window may mean re-applying.",
)
def nmpa86_timeline(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: an NMPA IND on the NMPA-86 pathway whose review or first dose is past its due day (``ind_deadlines``:
    the clocks the page shows). A standard IND has none. Unknown (an open item): a lateness that rests on a day
    counted beyond the published holiday calendar (an estimate)."""
    for ind in facts.inds:
        if ind.authority != INDApplication.Authority.NMPA:
            continue
        for deadline in ind_deadlines(ind):
            if deadline.key == "nmpa-acceptance" or deadline.status(facts.today) not in ("late", "overdue"):
                continue
            done = f"done {deadline.done_on:%Y-%m-%d}" if deadline.done_on else "not done"
            yield Raised(
                subject=f"ind:{ind.pk}:{deadline.key}",
                message=f"{ind}: {deadline.label} was due {deadline.due:%Y-%m-%d} ({deadline.rule}); {done}."
                + (" The due day is an estimate beyond the published holiday calendar." if deadline.estimated else ""),
                facts={
                    "ind": str(ind),
                    "clock": deadline.label,
                    "due": deadline.due.isoformat(),
                    "done_on": deadline.done_on.isoformat() if deadline.done_on else None,
                    "calendar_estimated": deadline.estimated,
                },
                unknown=deadline.estimated,
            )


def overpayment_limits() -> tuple[Decimal, Decimal]:
    """(largest upfront share of total deal value, largest upfront in USD) while the evidence is IIT-grade."""
    return (
        Decimal(str(getattr(settings, "DILIGENCE_OVERPAYMENT_MAX_UPFRONT_SHARE", "0.10"))),
        Decimal(str(getattr(settings, "DILIGENCE_OVERPAYMENT_MAX_UPFRONT_USD", "80000000"))),
    )


@rule(
    id="overpayment-trap",
    question=QuestionKey.REGISTRATION,
    severity=Severity.HIGH,
    citation="DEAL-TRAP",
    title="A large upfront against IIT-grade evidence",
    remedy="Move value from upfront into milestones for US IND clearance and confirmatory data.",
)
def overpayment_trap(facts: AssetFacts) -> Iterator[Raised]:
    """Breach: an upfront above the limits while the evidence is IIT-grade. Unknown (an open item): no deal terms on
    record for IIT-only evidence."""
    deal = facts.deal
    if not facts.evidence_is_iit_only:
        return
    if deal is None:
        yield Raised(
            subject="deal",
            message=f"No deal terms are on record for {facts.asset.code}, whose evidence is investigator-initiated "
            "only: the upfront cannot be checked against the grade of the data.",
            unknown=True,
        )
        return
    max_share, max_usd = overpayment_limits()
    share = deal.upfront_share()
    reasons = []
    if share is not None and share > max_share:
        reasons.append(f"{share * 100:.1f} % of the total deal value (limit {max_share * 100:.0f} %)")
    if deal.currency == "USD" and deal.upfront > max_usd:
        reasons.append(f"above USD {max_usd / 1_000_000:.0f}M")
    if reasons:
        yield Raised(
            subject="deal",
            message=f"The upfront of {deal.currency} {deal.upfront:,.0f} is {' and '.join(reasons)}, while "
            f"{facts.asset.code}'s evidence is investigator-initiated only.",
            facts={
                "upfront": str(deal.upfront),
                "currency": deal.currency,
                "total_value": str(deal.total_value()),
                "upfront_share": str(share) if share is not None else None,
            },
        )

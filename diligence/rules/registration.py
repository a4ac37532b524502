"""Registration plan: an MRCT [ICH-E17], the NMPA-86 clocks, the US-APPROP watch, and the deal priced against the
evidence: the overpayment trap, milestones that reward evidence, the technical data-sharing clause."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from assets.models import DealTerms, INDApplication, Milestone, TriState
from assets.selectors import ind_deadlines
from diligence.models import HousePolicy, QuestionKey, Severity
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
    """Breach: every site in China and the plan says no MRCT, or plans an "MRCT" whose regions are not both China
    and ex-China (then it is not multi-regional). Unknown (an open item): no registration plan, whether an MRCT is
    planned, or a planned MRCT's regions not recorded."""
    if not facts.studies or not facts.all_sites_in_china:
        return
    planned = facts.plan.mrct_planned if facts.plan else TriState.UNKNOWN
    if planned == TriState.YES and facts.plan is not None:
        yield from _mrct_regions(facts.plan.mrct_regions)
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


def _mrct_regions(text: str) -> Iterator[Raised]:
    regions = {r.strip().lower() for r in text.replace(";", ",").replace("/", ",").split(",") if r.strip()}
    if not regions:
        yield Raised(
            subject="asset",
            message="An MRCT is planned, but its regions are not recorded: whether it has Chinese and ex-China sites "
            "is not known.",
            facts={"mrct_regions": text},
            unknown=True,
        )
        return
    china = regions & CHINA_REGIONS
    if not china or not regions - CHINA_REGIONS:
        yield Raised(
            subject="asset",
            message=f"The planned MRCT's regions ({text}) are "
            + ("China alone" if china else "ex-China alone")
            + ": a multi-regional trial has Chinese and ex-China sites with pre-specified regional subgroups.",
            facts={"mrct_regions": text},
        )


CHINA_REGIONS = frozenset({"china", "cn", "prc", "mainland china", "people's republic of china"})


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


@dataclass(frozen=True)
class UpfrontCheck:
    """An upfront against the house policy limits: as a share of the deal value, and in USD at the recorded rate
    (``upfront_usd`` is None when the deal is not in USD and no rate is recorded). The rule and the memo's deal
    section both judge by this, so they cannot disagree."""

    share: Decimal | None
    upfront_usd: Decimal | None
    max_share: Decimal
    max_usd: Decimal

    @property
    def share_over(self) -> bool:
        return self.share is not None and self.share > self.max_share

    @property
    def usd_over(self) -> bool:
        return self.upfront_usd is not None and self.upfront_usd > self.max_usd

    @property
    def policy_text(self) -> str:
        share, usd = f"{self.max_share * 100:.0f} %", f"USD {self.max_usd / 1_000_000:,.0f}M"
        return f"house policy: at most {share} of the deal value and {usd}"


def upfront_check(
    *, currency: str, upfront: Decimal, total: Decimal, usd_rate: Decimal | None, policy: HousePolicy
) -> UpfrontCheck:
    usd = upfront if currency == "USD" else None if usd_rate is None else upfront * usd_rate
    return UpfrontCheck(
        share=upfront / total if total else None,
        upfront_usd=usd,
        max_share=policy.max_upfront_share,
        max_usd=policy.max_upfront_usd,
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
    """The buyer's trap: paying a registration-grade price for IIT-grade data. Scope: IIT-only evidence. Breach: the
    team in-licenses and the upfront is above house policy (a share of the deal value, or a USD amount compared at
    the recorded rate). When the team out-licenses, a large upfront is the team's gain: information only. Unknown
    (an open item): no deal terms on record, or a non-USD upfront within the share limit with no recorded rate."""
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
    check = upfront_check(
        currency=deal.currency,
        upfront=deal.upfront,
        total=deal.total_value(),
        usd_rate=deal.usd_rate,
        policy=facts.policy,
    )
    reasons = []
    if check.share is not None and check.share_over:
        reasons.append(f"{check.share * 100:.1f} % of the total deal value")
    if check.upfront_usd is not None and check.usd_over:
        at_rate = (
            "" if deal.currency == "USD" else f" (USD {check.upfront_usd:,.0f} at the recorded rate {deal.usd_rate})"
        )
        reasons.append(f"above USD {check.max_usd / 1_000_000:,.0f}M{at_rate}")
    cited = {
        "upfront": str(deal.upfront),
        "currency": deal.currency,
        "usd_rate": str(deal.usd_rate) if deal.usd_rate is not None else None,
        "upfront_usd": str(check.upfront_usd) if check.upfront_usd is not None else None,
        "total_value": str(deal.total_value()),
        "upfront_share": str(check.share) if check.share is not None else None,
        "direction": deal.direction,
        "house_policy": {"max_upfront_share": str(check.max_share), "max_upfront_usd": str(check.max_usd)},
    }
    upfront = f"The upfront of {deal.currency} {deal.upfront:,.0f}"
    if reasons and deal.direction == DealTerms.Direction.OUT_LICENSING:
        yield Raised(
            subject="deal",
            message=f"{upfront} is {' and '.join(reasons)} ({check.policy_text}). The team out-licenses, so a large "
            "upfront is its gain, not an overpayment: for information only.",
            facts=cited,
            severity=Severity.INFO,
        )
    elif reasons:
        yield Raised(
            subject="deal",
            message=f"{upfront} is {' and '.join(reasons)} ({check.policy_text}), while {facts.asset.code}'s "
            "evidence is investigator-initiated only.",
            facts=cited,
        )
    elif check.upfront_usd is None and deal.direction == DealTerms.Direction.IN_LICENSING:
        yield Raised(
            subject="deal",
            message=f"{upfront} has no recorded USD rate, so it cannot be compared with the USD "
            f"{check.max_usd / 1_000_000:,.0f}M house policy limit.",
            facts=cited,
            unknown=True,
        )


@rule(
    id="technical-data-sharing",
    question=QuestionKey.REGISTRATION,
    severity=Severity.MEDIUM,
    citation="DEAL-DATA-SHARING",
    title="No technical data-sharing clause to use the IIT data in the team's own US IND",
    remedy="Negotiate a technical data-sharing clause: the right to use the China IIT data to design the US IND.",
)
def technical_data_sharing(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: the team in-licenses and the evidence is IIT-grade. Breach: the deal has no technical data-sharing
    clause. Unknown (an open item): whether it has one."""
    deal = facts.deal
    if deal is None or deal.direction != DealTerms.Direction.IN_LICENSING or not facts.evidence_is_iit_only:
        return
    if deal.technical_data_sharing == TriState.YES:
        return
    has_none = deal.technical_data_sharing == TriState.NO
    yield Raised(
        subject="deal",
        message=f"The in-licensing deal for {facts.asset.code} "
        + (
            "has no technical data-sharing clause"
            if has_none
            else "is not known to have a technical data-sharing clause"
        )
        + ": the IIT data may not be usable to design the team's own US IND.",
        facts={"technical_data_sharing": deal.technical_data_sharing},
        unknown=not has_none,
    )


EVIDENCE_MILESTONES = {
    Milestone.Rewards.US_IND_CLEARANCE: "US IND clearance",
    Milestone.Rewards.CONFIRMATORY_DATA: "confirmatory data",
}


@rule(
    id="milestones-reward-evidence",
    question=QuestionKey.REGISTRATION,
    severity=Severity.MEDIUM,
    citation="DEAL-TRAP",
    title="No milestone rewards US IND clearance or confirmatory data",
    remedy="Tie milestone value to US IND clearance and to confirmatory (registration-grade) data.",
)
def milestones_reward_evidence(facts: AssetFacts) -> Iterator[Raised]:
    """Scope: the team in-licenses and the evidence is IIT-grade. Breach: no milestone rewards US IND clearance, or
    none confirmatory data. Unknown (an open item): the same, while some milestone's reward is not classified."""
    deal = facts.deal
    if deal is None or deal.direction != DealTerms.Direction.IN_LICENSING or not facts.evidence_is_iit_only:
        return
    milestones = list(deal.milestones.all())
    rewarded = {m.rewards for m in milestones}
    missing = [label for reward, label in EVIDENCE_MILESTONES.items() if reward not in rewarded]
    if not missing:
        return
    unclassified = [m.event for m in milestones if not m.rewards]
    yield Raised(
        subject="deal",
        message=f"No milestone of the deal for {facts.asset.code} rewards {' or '.join(missing)}"
        + (f"; not classified: {', '.join(unclassified)}." if unclassified else "."),
        facts={"missing": missing, "unclassified": unclassified},
        unknown=bool(unclassified),
    )

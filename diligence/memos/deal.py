"""Deal terms measured against the overpayment trap [DEAL-TRAP], read off the asset's dossier.

The limits are frozen into the snapshot with the terms: if the house limits change next year, this memo still shows
the limits it was judged against.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assets.models import DealTerms, Milestone
from diligence.memos.display import decimal_str, label, money, percent, tri
from diligence.memos.facts import evidence_is_iit_only
from diligence.models import HousePolicy
from diligence.rules.registration import upfront_check

Row = dict[str, Any]


def deal_section(dossier: Row) -> Row | None:
    deal = dossier["deal_terms"]
    if deal is None:
        return None
    currency = deal["currency"]
    upfront, equity = Decimal(deal["upfront"]), Decimal(deal["equity"])
    milestones_total = sum((Decimal(m["amount"]) for m in deal["milestones"]), Decimal(0))
    total = upfront + equity + milestones_total  # as DealTerms.total_value(): the headline deal value
    rate = Decimal(deal["usd_rate"]) if deal.get("usd_rate") else None
    check = upfront_check(currency=currency, upfront=upfront, total=total, usd_rate=rate, policy=HousePolicy.current())
    share, max_share, max_usd = check.share, check.max_share, check.max_usd
    iit_only = evidence_is_iit_only(dossier)
    in_licensing = deal["direction"] == DealTerms.Direction.IN_LICENSING
    return {
        "direction": label(DealTerms, "direction", deal["direction"]),
        "counterparty": deal["counterparty"],
        "territory": deal["territory"],
        "currency": currency,
        "signed_on": deal["signed_on"] or "",
        "technical_data_sharing": tri(deal["technical_data_sharing"]),
        "upfront": deal["upfront"],
        "equity": deal["equity"],
        "milestones_total": decimal_str(milestones_total, 2),
        "total": decimal_str(total, 2),
        "upfront_share": decimal_str(share),
        "upfront_display": money(currency, upfront),
        "equity_display": money(currency, equity),
        "milestones_total_display": money(currency, milestones_total),
        "total_display": money(currency, total),
        "upfront_share_display": percent(share),
        "usd_rate": deal.get("usd_rate") or "",
        "upfront_usd_display": money("USD", check.upfront_usd) if check.upfront_usd is not None else "",
        "limits": {
            "max_upfront_share": decimal_str(max_share),
            "max_upfront_usd": decimal_str(max_usd, 2),
            "max_upfront_share_display": percent(max_share, 0),
            "max_upfront_usd_display": money("USD", max_usd),
        },
        "evidence_iit_only": iit_only,
        "in_licensing": in_licensing,
        "share_over_limit": check.share_over,
        "upfront_over_limit": check.usd_over,
        "trap": iit_only and in_licensing and (check.share_over or check.usd_over),
        "milestones": [_milestone(m, currency, total) for m in deal["milestones"]],
        "royalty_tiers": [
            {"from_display": money(currency, Decimal(t["annual_net_sales_from"])), "rate": f"{t['rate_percent']} %"}
            for t in deal["royalty_tiers"]
        ],
    }


def _milestone(milestone: Row, currency: str, total: Decimal) -> Row:
    amount = Decimal(milestone["amount"])
    return {
        "event": milestone["event"],
        "kind": label(Milestone, "kind", milestone["kind"]),
        "amount": milestone["amount"],
        "amount_display": money(currency, amount),
        "share_display": percent(amount / total) if total else "",
    }

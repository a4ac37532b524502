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
from diligence.rules.registration import overpayment_limits

Row = dict[str, Any]


def deal_section(dossier: Row) -> Row | None:
    deal = dossier["deal_terms"]
    if deal is None:
        return None
    currency = deal["currency"]
    upfront, equity = Decimal(deal["upfront"]), Decimal(deal["equity"])
    milestones_total = sum((Decimal(m["amount"]) for m in deal["milestones"]), Decimal(0))
    total = upfront + equity + milestones_total  # as DealTerms.total_value(): the headline deal value
    share = upfront / total if total else None
    max_share, max_usd = overpayment_limits()
    iit_only = evidence_is_iit_only(dossier)
    share_over = share is not None and share > max_share
    usd_over = currency == "USD" and upfront > max_usd
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
        "limits": {
            "max_upfront_share": decimal_str(max_share),
            "max_upfront_usd": decimal_str(max_usd, 2),
            "max_upfront_share_display": percent(max_share, 0),
            "max_upfront_usd_display": money("USD", max_usd),
        },
        "evidence_iit_only": iit_only,
        "share_over_limit": share_over,
        "upfront_over_limit": usd_over,
        "trap": iit_only and (share_over or usd_over),
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

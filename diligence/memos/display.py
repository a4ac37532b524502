"""How memo values read on paper, worked out once when the snapshot is built.

The snapshot stores display text next to the raw value because a signed memo must read the same in five years:
a choice label renamed later, or a changed money format, must not change what an old memo says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django.db import models

from assets.models import DatePrecision

MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)


def label(model: type[models.Model], field: str, value: object) -> str:
    """A choice's human label as the model defines it today; unknown values are shown as stored."""
    if value in (None, ""):
        return ""
    choices = dict(cast(models.Field, model._meta.get_field(field)).choices or [])  # a field, not a reverse relation
    return str(choices.get(value, value))


def partial_date(value: str | None, precision: str) -> str:
    """An ISO date cut to what is known: 2010-05 for a month, 2010 for a year."""
    if not value:
        return ""
    if precision == DatePrecision.YEAR:
        return value[:4]
    if precision == DatePrecision.MONTH:
        return value[:7]
    return value


def money(currency: str, amount: Decimal | None) -> str:
    """Deal amounts as a partner reads them: USD 1.25B, USD 150.0M, or exact below a million."""
    if amount is None:
        return ""
    if amount >= BILLION:
        return f"{currency} {amount / BILLION:,.2f}B"
    if amount >= MILLION:
        return f"{currency} {amount / MILLION:,.1f}M"
    return f"{currency} {amount:,.0f}"


def percent(share: Decimal | None, places: int = 1) -> str:
    return "" if share is None else f"{share * 100:.{places}f} %"


def decimal_str(value: Decimal | None, places: int = 4) -> str | None:
    """A Decimal for the JSON snapshot: a fixed-point string, never a float."""
    if value is None:
        return None
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def tri(value: str | None) -> str:
    """A tri-state answer (yes / no / unknown) as a capitalised word."""
    return {"yes": "Yes", "no": "No", "unknown": "Unknown"}.get(value or "", value or "")

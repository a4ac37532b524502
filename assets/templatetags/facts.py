"""Template helpers for fact tables: action buttons, tri-state badges, money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.db.models import Model
from django.urls import reverse

from assets.deadlines import Deadline

register = template.Library()


@register.inclusion_tag("assets/_fact_actions.html", takes_context=True)
def fact_actions(context: template.Context, fact: Model, kind: str) -> dict[str, object]:
    """Edit / delete / history buttons for one fact; they load into the tab's form slot over htmx."""
    pk = fact.pk
    return {
        "can_edit": context.get("can_edit", False),
        "edit_url": reverse(f"assets:{kind}_edit", args=[pk]),
        "delete_url": reverse(f"assets:{kind}_delete", args=[pk]),
        "history_url": reverse(f"assets:{kind}_history", args=[pk]),
        "label": str(fact),
    }


@register.inclusion_tag("assets/_new_fact.html", takes_context=True)
def new_fact(context: template.Context, kind: str, parent: Model, label: str) -> dict[str, object]:
    return {
        "can_edit": context.get("can_edit", False),
        "url": reverse(f"assets:{kind}_create", args=[parent.pk]),
        "label": label,
    }


@register.filter
def tri(value: str) -> str:
    """The badge colour for a yes / no / unknown answer."""
    return {"yes": "green", "no": "red"}.get(value, "amber")


@register.filter
def money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return ""
    amount = f"{value:,.2f}".removesuffix(".00")
    return f"{currency} {amount}".strip()


@register.filter
def percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


@register.filter
def deadline_badge(status: str) -> str:
    return {"met": "green", "late": "red", "overdue": "red", "open": "amber"}.get(status, "")


@register.filter
def deadline_status(deadline: Deadline, today: dt.date) -> str:
    return deadline.status(today)


@register.filter
def days_left(deadline: Deadline, today: dt.date) -> int:
    return deadline.days_left(today)


@register.filter
def absolute(value: int) -> int:
    return abs(value)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key, [])


@register.filter
def pair_with(deadlines: list, fact: object) -> list[tuple[object, object]]:
    """(fact, deadline) pairs, the shape the clocks table reads."""
    return [(fact, deadline) for deadline in deadlines]

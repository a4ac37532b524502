"""Rules as people read them: a rule's title and citation where a page would otherwise show its id."""

from __future__ import annotations

from django import template

from diligence.rules import RULES

register = template.Library()


@register.filter
def rule_label(rule_id: str) -> str:
    """The rule's citation and title (an id no rule has any more is shown as it is, rather than hidden)."""
    found = RULES.get(rule_id)
    return f"{found.citation}: {found.title}" if found else rule_id

"""The team dashboard's long tables, row by row in Python: an answer per asset (a deal team's every asset) and up to
twice fifty due items. Through the template language, these rows were more than half of the page's time.

Every value is escaped here, as the template language would.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from diligence.models import ReviewItem
from diligence.selectors.dashboard import AssetAnswer, DueItem

register = template.Library()

STATUS_LABELS = dict(ReviewItem.Status.choices)
TEXT_LENGTH = 80


@register.simple_tag
def asset_answer_rows(assets: list[AssetAnswer]) -> SafeString:
    """One row per asset: its code (linking to its findings, ``findings_url`` set by the view), name and answer."""
    rows = [
        f'<tr><td><a href="{escape(asset.findings_url)}">{escape(asset.code)}</a></td>'
        f'<td>{escape(asset.name)}</td><td><span class="badge {escape(asset.light)}">{escape(asset.answer)}</span>'
        "</td></tr>"
        for asset in assets
    ]
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def due_item_rows(items: list[DueItem]) -> SafeString:
    """One row per due item: due date, asset (linking to the review, ``review_url`` set by the view), the checklist
    item's text cut at 80 characters, assignee and status."""
    rows = []
    for item in items:
        assignee = escape(item.assignee) if item.assignee else "—"
        status = escape(str(STATUS_LABELS.get(item.status, item.status)))
        rows.append(
            f'<tr><td class="nowrap">{item.due_on.isoformat()}</td>'
            f'<td><a href="{escape(item.review_url)}">{escape(item.asset_code)}</a></td>'
            f"<td>{escape(shorten(item.text))}</td><td>{assignee}</td>"
            f'<td><span class="badge st-{escape(item.status)}">{status}</span></td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped or is our own markup


def shorten(text: str, length: int = TEXT_LENGTH) -> str:
    """``text`` cut to ``length`` characters, the last of them an ellipsis (as the ``truncatechars`` filter does)."""
    return text if len(text) <= length else text[: length - 1] + "…"

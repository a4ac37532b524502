"""A review item's table row, written in Python: the review page shows 300 of them, and rendering each through the
template language (a dozen variable lookups, filters and localisation per row) was most of the page's time.

The row is the same markup for the whole page (``item_rows``) and for the one row htmx swaps back after an edit
(``item_row``); every value is escaped here, as the template language would.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from django import template
from django.template.defaultfilters import pluralize
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from diligence.models import ReviewItem, TemplateItem
from diligence.progress import FINISHED
from diligence.templatetags.rules import rule_label

register = template.Library()

STATUS_LABELS = dict(ReviewItem.Status.choices)
CRITICALITY_LABELS = dict(TemplateItem._meta.get_field("criticality").flatchoices)
NOTES_LENGTH = 120


@register.simple_tag
def item_rows(items: list[ReviewItem], can_edit: bool, today: dt.date) -> SafeString:
    """The rows of ``items``, one tag for the whole table rather than a loop of the template language over 300."""
    return mark_safe("".join(item_row(item, can_edit, today) for item in items))  # noqa: S308 - each row escapes


@register.simple_tag
def item_row(item: ReviewItem, can_edit: bool, today: dt.date) -> SafeString:
    """The row of ``item`` (with ``detail_url``, ``edit_url`` and its evidence and comment counts set by the view)."""
    pk = item.pk
    status = item.status
    select = (
        f'<td><input type="checkbox" name="items" value="{pk}" form="bulk-form" aria-labelledby="item-{pk}-text"></td>'
        if can_edit
        else ""
    )
    na_reason = f'<div class="small muted">{escape(item.na_reason)}</div>' if item.na_reason else ""
    assignee = escape(str(item.assignee)) if item.assignee_id else "—"
    due = "—"
    if item.due_on:
        overdue = item.due_on < today and status not in FINISHED
        due = item.due_on.isoformat() + (' <span class="badge red">overdue</span>' if overdue else "")
    notes = escape(Truncator(item.notes).chars(NOTES_LENGTH)) if item.notes else ""
    counts = item_counts(item)
    detail_url, edit_url = escape(item.detail_url), escape(item.edit_url)  # type: ignore[attr-defined]
    edit = (
        f'<a href="{edit_url}" hx-get="{edit_url}" hx-target="#item-{pk}" hx-swap="outerHTML" class="icon-link" '
        f'id="item-{pk}-edit">Edit</a>'
        if can_edit
        else ""
    )
    return mark_safe(  # noqa: S308 - every value above is escaped or is our own number or markup
        f'<tr id="item-{pk}" class="status-{escape(status)}">{select}'
        f'<td class="item-text"><span id="item-{pk}-text">{escape(item.template_item.text)}</span>'
        f"{_meta_html(item.template_item)}</td>"
        f'<td><span class="badge st-{escape(status)}">{escape(str(STATUS_LABELS.get(status, status)))}</span>'
        f"{na_reason}</td>"
        f"<td>{assignee}</td>"
        f'<td class="nowrap">{due}</td>'
        f'<td class="small">{notes}</td>'
        f'<td class="nowrap small"><span id="item-{pk}-counts">{counts}</span></td>'
        # The details open in a row of their own beneath the item's, where the user clicked.
        f'<td class="nowrap"><a href="{detail_url}" hx-get="{detail_url}" hx-target="#item-{pk}" '
        f'hx-swap="afterend" data-replaces="item-{pk}-detail" class="icon-link">Details</a>{edit}</td>'
        "</tr>"
    )


@register.filter
def item_counts(item: ReviewItem) -> str:
    """How many evidence files and comments the item has, in words (``evidence_count`` and ``comment_count`` are
    annotated by the selector, or set by the view for one row)."""
    files = getattr(item, "evidence_count", 0) or 0
    comments = getattr(item, "comment_count", 0) or 0
    return f"{files} file{pluralize(files)} · {comments} comment{pluralize(comments)}"


def _meta_html(item: TemplateItem) -> str:
    """What the checklist says about the item: criticality, evidence, the rules it cites, guidance."""
    label = CRITICALITY_LABELS.get(item.criticality, item.criticality)
    badges = [f'<span class="badge crit-{escape(item.criticality)}">{escape(str(label))}</span>']
    if item.evidence_required:
        badges.append('<span class="badge">evidence required</span>')
    badges += [f'<span class="cite">{escape(rule_label(str(rule_id)))}</span>' for rule_id in item.rule_ids]
    guidance = (
        f'<details><summary>Guidance</summary><p class="small">{escape(item.guidance)}</p></details>'
        if item.guidance
        else ""
    )
    return f'<div class="meta">{"".join(badges)}</div>{guidance}'

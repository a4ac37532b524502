"""Server-rendered SVG charts: no script, no CDN, and every chart sits beside a table with the same figures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from diligence.selectors.reviews import QuestionProgress

register = template.Library()

ROW_HEIGHT, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 26, 190, 260, 70
COLOURS = {"blue": "#1f4e79", "red": "#b42318", "amber": "#b54708", "green": "#067647", "grey": "#8a94a3"}


@register.simple_tag
def bar_chart(rows: Iterable[tuple[str, int, int, str]], title: str, show_total: bool = True) -> SafeString:
    """Horizontal bars, one per (label, value, out of, colour name); the value (and, if asked, the total) is
    written beside each bar."""
    rows = list(rows)
    height = ROW_HEIGHT * max(len(rows), 1)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="0" y="17" class="chart-label">{}</text>'
        '<rect x="{}" y="6" width="{}" height="14" rx="3" fill="#e6eaef"></rect>'
        '<rect x="{}" y="6" width="{}" height="14" rx="3" fill="{}"></rect>'
        '<text x="{}" y="17" class="chart-value">{}</text></g>',
        (
            (
                index * ROW_HEIGHT,
                label,
                LABEL_WIDTH,
                BAR_WIDTH,
                LABEL_WIDTH,
                round(BAR_WIDTH * value / total) if total else 0,
                COLOURS.get(colour, COLOURS["blue"]),
                LABEL_WIDTH + BAR_WIDTH + 8,
                f"{value} / {total}" if show_total else str(value),
            )
            for index, (label, value, total, colour) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        title,
        title,
        bars,
    )


@register.filter
def progress_rows(progress: Iterable[QuestionProgress]) -> list[tuple[str, int, int, str]]:
    return [(q.label, q.finished, q.total, "amber" if q.blocked else "blue") for q in progress]


SEVERITY_COLOURS = {"high": "red", "medium": "amber", "info": "green"}


@register.filter
def severity_rows(findings_by_severity: list[tuple[str, str, int]]) -> list[tuple[str, int, int, str]]:
    total = max((count for *_rest, count in findings_by_severity), default=0)
    return [
        (label, count, total, SEVERITY_COLOURS.get(severity, "grey")) for severity, label, count in findings_by_severity
    ]

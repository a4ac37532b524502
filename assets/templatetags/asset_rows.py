"""The asset list's rows, written in Python: through the template language (a score of variable lookups, choice
labels, a URL reversal and a localised date per row) they were most of the page's time.

Every value is escaped here, as the template language would.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from assets.models import Asset
from teams.links import id_url

register = template.Library()

MODALITY_LABELS = dict(Asset._meta.get_field("modality").flatchoices)
PHASE_LABELS = dict(Asset._meta.get_field("highest_phase_china").flatchoices)
# What the selector annotates on each asset, which the model does not declare.
COUNTS = ("study_count", "iit_count", "site_count", "open_findings", "red_flags")
ILLUSTRATIVE = ' <span class="badge" title="Demo data beyond public facts">illustrative</span>'


def _label(labels: dict, value: str) -> str:
    """What ``get_FOO_display()`` shows: the choice's label, else the value itself."""
    return escape(str(labels.get(value, value)))


def _findings(open_findings: int, high: int) -> str:
    if not open_findings:
        return '<span class="muted">0</span>'
    if high:
        return f'{open_findings} <span class="badge red">{high} high</span>'
    return f'{open_findings} <span class="muted small">(0 high)</span>'


@register.simple_tag
def asset_rows(assets: Iterable[Asset]) -> SafeString:
    """One row per asset of ``assets.selectors.asset_list`` (its counts annotated, team and originator joined)."""
    detail = id_url("assets:asset_detail")
    rows = []
    for asset in assets:
        counts = {name: int(getattr(asset, name)) for name in COUNTS}
        inn = f'<div class="muted small">{escape(asset.inn_name)}</div>' if asset.inn_name else ""
        originator = escape(asset.originator.name) if asset.originator is not None else ""
        rows.append(
            f'<tr><td><a href="{detail(asset.pk)}"><strong>{escape(asset.code)}</strong></a>'
            f"{ILLUSTRATIVE if asset.is_illustrative else ''}</td>"
            f"<td>{escape(asset.name)}{inn}</td>"
            f"<td>{escape(asset.team.name)}</td>"
            f"<td>{_label(MODALITY_LABELS, asset.modality)}</td>"
            f"<td>{escape(asset.target)}</td>"
            f"<td>{originator}</td>"
            f"<td>{_label(PHASE_LABELS, asset.highest_phase_china)}</td>"
            f"<td>{_label(PHASE_LABELS, asset.highest_phase_us)}</td>"
            f'<td class="num">{counts["study_count"]}</td>'
            f'<td class="num">{counts["iit_count"]}</td>'
            f'<td class="num">{counts["site_count"]}</td>'
            f'<td class="num nowrap">{_findings(counts["open_findings"], counts["red_flags"])}</td>'
            f'<td class="nowrap muted">{timezone.localtime(asset.updated_at).date().isoformat()}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped or is our own number or markup

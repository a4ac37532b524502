"""A review's items and the asset's findings as CSV or XLSX, through the access policy."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from diligence.access import review_access
from diligence.models import Review
from diligence.selectors import reviews as selectors
from teams.http import AuthenticatedHttpRequest

ITEM_HEADER = [
    "question",
    "key",
    "item",
    "criticality",
    "evidence required",
    "status",
    "not applicable because",
    "assignee",
    "due",
    "notes",
    "evidence files",
    "comments",
    "related rules",
]
FINDING_HEADER = ["question", "severity", "citation", "rule", "title", "message", "status", "note", "remedy"]


def _item_rows(review: Review) -> list[list[object]]:
    items = selectors.review_items(review=review)
    return [
        [
            item.get_question_display(),
            item.key,
            item.template_item.text,
            item.template_item.get_criticality_display(),
            "yes" if item.template_item.evidence_required else "no",
            item.get_status_display(),
            item.na_reason,
            str(item.assignee or ""),
            item.due_on.isoformat() if item.due_on else "",
            item.notes,
            item.evidence_count,
            item.comment_count,
            " ".join(item.template_item.rule_ids),
        ]
        for item in items
    ]


def _finding_rows(review: Review) -> list[list[object]]:
    return [
        [
            f.get_question_display(),
            f.severity,
            f.citation,
            f.rule_id,
            f.title,
            f.message,
            f.get_status_display(),
            f.note,
            f.remedy,
        ]
        for f in selectors.asset_findings(asset_id=review.asset_id)
    ]


def _filename(review: Review, extension: str) -> str:
    return f"{review.asset.code}-checklist-v{review.template_version.number}.{extension}"


@login_required
@require_GET
def review_export_csv(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_access(request, review_id, log="export")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", *ITEM_HEADER])
    writer.writerows(["item", *map(_cell, row)] for row in _item_rows(review))
    writer.writerow([])
    writer.writerow(["section", *FINDING_HEADER])
    writer.writerows(["finding", *map(_cell, row)] for row in _finding_rows(review))
    # A byte-order mark so spreadsheet programs read Chinese names as UTF-8.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, _filename(review, "csv"))
    return response


@login_required
@require_GET
def review_export_xlsx(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_access(request, review_id, log="export")
    book = Workbook()
    for sheet, header, rows in (
        (book.worksheets[0], ITEM_HEADER, _item_rows(review)),  # a new workbook's one sheet
        (book.create_sheet(), FINDING_HEADER, _finding_rows(review)),
    ):
        sheet.title = "Checklist" if header is ITEM_HEADER else "Findings"
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, _filename(review, "xlsx"))
    return response


def _xlsx_cell(value: object) -> object:
    """As ``_cell``, with the control characters XML cannot hold (openpyxl refuses them) shown as U+FFFD."""
    value = _cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def _cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value

"""Tables as CSV or XLSX downloads that are safe to open in a spreadsheet program. Fact-agnostic, so every app's
exports (the checklist, the asset list, findings, request lists) write their cells the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Sheet:
    """One table: a sheet of the XLSX file; in a CSV of several tables, a section whose rows start with ``section``."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    section: str = ""


def csv_download(filename: str, *sheets: Sheet) -> HttpResponse:
    """One table as plain CSV; several one after another, a blank row between, each row led by its section."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, sheet in enumerate(sheets):
        lead = [sheet.section] if len(sheets) > 1 else []
        if number:
            writer.writerow([])
        writer.writerow(["section", *sheet.header] if lead else sheet.header)
        writer.writerows([*lead, *map(cell, row)] for row in sheet.rows)
    # A byte-order mark so spreadsheet programs read Chinese names as UTF-8.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_download(filename: str, *sheets: Sheet) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(*sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook of one sheet per table, its header bold and frozen."""
    book = Workbook()
    for number, table in enumerate(sheets):
        sheet = book.worksheets[0] if number == 0 else book.create_sheet()  # a new workbook has one sheet
        sheet.title = table.title
        sheet.append(list(table.header))
        for header_cell in sheet[1]:
            header_cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([xlsx_cell(value) for value in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_cell(value: object) -> object:
    """As ``cell``, with the control characters XML cannot hold (openpyxl refuses them) shown as U+FFFD."""
    value = cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if isinstance(value, str) else value


def cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value

"""A request list as a spreadsheet or a PDF, and a spreadsheet of requests read back: the columns are described once
here, for the export the team sends, the copy the counterparty downloads, and the import.

The counterparty's copy leaves out the checklist columns: the checklist is the team's."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from diligence.models import CounterpartyRequest, RequestList
from teams.models import CounterpartyContact
from teams.spreadsheets import xlsx_cell

TEAM_HEADER = ["no.", "item key", "checklist item", "what is asked", "priority", "due", "status"]
COUNTERPARTY_HEADER = ["no.", "what is asked", "priority", "due", "status"]
IMPORT_HEADER = ["item key", "what is asked", "priority", "due"]
MAX_IMPORT_ROWS = 1000


def request_rows(requests: Iterable[CounterpartyRequest], *, for_team: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    for r in requests:
        due = r.due_on.isoformat() if r.due_on else ""
        if for_team:
            rows.append([f"R-{r.number}", r.item.key, r.item.template_item.text, r.text, r.priority, due, r.status])
        else:
            rows.append([f"R-{r.number}", r.text, r.priority, due, r.get_status_display()])
    return rows


def request_list_xlsx(
    request_list: RequestList | None, rows: list[list[object]], *, for_team: bool, stamp: str = ""
) -> bytes:
    book = Workbook()
    sheet = book.worksheets[0]  # a new workbook's one sheet
    sheet.title = "Requests"
    if stamp:
        sheet.append([stamp])
    header = TEAM_HEADER if for_team else COUNTERPARTY_HEADER
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    sheet.freeze_panes = f"A{sheet.max_row - len(rows) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def request_list_html(
    request_list: RequestList | None,
    rows: list[list[object]],
    *,
    for_team: bool,
    contact: CounterpartyContact | None = None,
) -> str:
    """The list (the team's), or every request of a contact (their copy), as HTML for the PDF."""
    header = TEAM_HEADER if for_team else COUNTERPARTY_HEADER
    title = str(request_list) if request_list else f"Requests for {contact.organisation}" if contact else "Requests"
    return render_to_string("diligence/request_list_pdf.html", {"title": title, "header": header, "rows": rows})


@dataclass(frozen=True)
class ImportedRow:
    line: int
    item_key: str
    text: str
    priority: str
    due_on: dt.date | None


def read_import(content: bytes) -> list[ImportedRow]:
    """The rows of an uploaded request sheet (XLSX, header ``item key, what is asked, priority, due``); a
    ValidationError naming every line at fault. Blank lines are skipped."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is no workbook
        raise ValidationError("The file is not an Excel workbook (.xlsx).") from error
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(v or "").strip().lower() for v in next(lines, ())]
    if header[: len(IMPORT_HEADER)] != IMPORT_HEADER:
        raise ValidationError(f"The first row must name the columns: {', '.join(IMPORT_HEADER)}.")
    rows: list[ImportedRow] = []
    errors: list[str] = []
    for line, values in enumerate(lines, start=2):
        cells = [*values, None, None, None, None][:4]
        if all(v in (None, "") for v in cells):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise ValidationError(f"At most {MAX_IMPORT_ROWS} requests per file.")
        key, text, priority, due = cells
        problems = []
        if not str(key or "").strip():
            problems.append("no item key")
        priority = str(priority or "normal").strip().lower()
        if priority not in CounterpartyRequest.Priority.values:
            problems.append(f"priority {priority!r} is none of {', '.join(CounterpartyRequest.Priority.values)}")
        due_on = _date(due)
        if due not in (None, "") and due_on is None:
            problems.append(f"due {due!r} is not a date (YYYY-MM-DD)")
        if problems:
            errors.append(f"line {line}: {'; '.join(problems)}")
            continue
        rows.append(ImportedRow(line, str(key).strip(), str(text or "").strip(), priority, due_on))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError("The file has no requests.")
    return rows


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None

"""Request lists exported (XLSX, PDF), downloaded by the contact stamped with who and when, and imported from a
spreadsheet all or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from teams.models import AccessLogEntry
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\x00", "")


def sheet(rows: list[list[object]]) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.worksheets[0].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("requests.xlsx", buffer.getvalue(), content_type=XLSX)


def test_the_team_exports_its_list_as_xlsx_and_pdf(world, client_as):
    facts = world.facts
    lead = client_as("lead")
    response = lead.get(reverse("diligence:request_list_export_xlsx", args=[facts.request_list.pk]))
    assert response["Content-Type"] == XLSX and "PHX-1-requests-" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("no.", "item key", "checklist item", "what is asked")
    assert rows[1][:2] == ("R-1", facts.review_item.key) and rows[1][3] == "Send the answer.pdf please"
    pdf = lead.get(reverse("diligence:request_list_export_pdf", args=[facts.request_list.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Send the answer.pdf please" in text and facts.review_item.key in text
    assert "Downloaded by" not in text  # the team's own export is not stamped
    logged = AccessLogEntry.objects.filter(user=world.lead, action="export", object_kind="requestlist")
    assert logged.count() == 2


def test_the_contacts_pdf_is_stamped_on_every_page_and_shows_nothing_of_the_checklist(world):
    facts = world.facts
    contact = client_for(world.counterparty)
    response = contact.get(reverse("counterparty:export_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    for page in reader.pages:
        assert f"Downloaded by {world.counterparty} on " in page.extract_text().replace("\x00", "")
    text = pdf_text(response.content)
    assert "Send the answer.pdf please" in text
    assert facts.review_item.key not in text and "item key" not in text
    xlsx = contact.get(reverse("counterparty:export_xlsx"))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True))
    assert str(rows[0][0]).startswith(f"Downloaded by {world.counterparty} on ")
    assert rows[1] == ("no.", "what is asked", "priority", "due", "status")
    assert facts.review_item.key not in str(rows)
    assert AccessLogEntry.objects.filter(user=world.counterparty, action="export").count() == 2


def test_a_valid_spreadsheet_imports_every_row(world, client_as):
    facts = world.facts
    keys = list(facts.review.items.order_by("pk").values_list("key", flat=True)[1:3])
    upload = sheet([
        ["item key", "what is asked", "priority", "due"],
        [keys[0], "Site list with activation dates", "high", "2027-01-15"],
        [],
        [keys[1], "", "", None],
    ])  # fmt: skip
    response = client_as("member").post(
        reverse("diligence:request_import_create", args=[facts.request_list.pk]), {"file": upload}
    )
    assert response.status_code == 302
    imported = list(facts.request_list.requests.filter(number__gt=1).order_by("number"))
    assert [(r.item.key, r.priority, str(r.due_on)) for r in imported] == [
        (keys[0], "high", "2027-01-15"),
        (keys[1], "normal", "None"),
    ]
    assert imported[0].text == "Site list with activation dates"
    assert imported[1].text == imported[1].item.template_item.text  # blank: what the item checks


@pytest.mark.parametrize(
    ("bad_row", "error"),
    [
        (["no-such-item", "x", "high", ""], "line 3: no live checklist item has the key"),
        (["KEY", "x", "urgent", ""], "line 3: priority &#x27;urgent&#x27; is none of high, normal, low"),
        (["KEY", "x", "low", "next week"], "line 3: due &#x27;next week&#x27; is not a date"),
    ],
)
def test_a_spreadsheet_with_one_bad_row_imports_nothing(world, client_as, bad_row, error):
    facts = world.facts
    key = facts.review.items.order_by("pk")[1].key
    bad_row = [key if value == "KEY" else value for value in bad_row]
    upload = sheet([["item key", "what is asked", "priority", "due"], [key, "fine", "normal", ""], bad_row])
    response = client_as("member").post(
        reverse("diligence:request_import_create", args=[facts.request_list.pk]), {"file": upload}
    )
    assert response.status_code == 400 and error in response.content.decode()
    assert facts.request_list.requests.count() == 1  # the fixture's alone


def test_a_file_that_is_no_workbook_or_lacks_the_header_is_refused(world, client_as):
    url = reverse("diligence:request_import_create", args=[world.facts.request_list.pk])
    not_xlsx = client_as("member").post(url, {"file": SimpleUploadedFile("r.xlsx", b"just text")})
    assert "not an Excel workbook" in not_xlsx.content.decode()
    no_header = client_as("member").post(url, {"file": sheet([["key", "text"], ["a", "b"]])})
    assert "The first row must name the columns" in no_header.content.decode()
    assert world.facts.request_list.requests.count() == 1

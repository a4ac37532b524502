"""A request list exported (XLSX, PDF) by the team or downloaded by its contact (stamped with who and when), and
requests imported from a spreadsheet (all or nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from diligence import request_sheets as sheets
from diligence.access import contact_requests_access, request_list_access
from diligence.memos.render import render_memo_pdf, stamp_pdf
from diligence.models import RequestList
from diligence.request_forms import RequestImportForm
from diligence.selectors import requests as selectors
from diligence.services import requests as services
from teams.http import AuthenticatedHttpRequest
from teams.spreadsheets import XLSX_TYPE


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(request_list: RequestList, extension: str) -> str:
    return f"{request_list.asset.code}-requests-{request_list.pk}.{extension}"


@login_required
@require_GET
def request_list_export_xlsx(request: AuthenticatedHttpRequest, request_list_id: int) -> HttpResponse:
    request_list = request_list_access(request, request_list_id, log="export")
    rows = sheets.request_rows(selectors.requests_of_list(request_list=request_list), for_team=True)
    content = sheets.request_list_xlsx(request_list, rows, for_team=True)
    return _attachment(content, XLSX_TYPE, _filename(request_list, "xlsx"))


@login_required
@require_GET
def request_list_export_pdf(request: AuthenticatedHttpRequest, request_list_id: int) -> HttpResponse:
    request_list = request_list_access(request, request_list_id, log="export")
    rows = sheets.request_rows(selectors.requests_of_list(request_list=request_list), for_team=True)
    pdf = render_memo_pdf(sheets.request_list_html(request_list, rows, for_team=True)).pdf
    return _attachment(pdf, "application/pdf", _filename(request_list, "pdf"))


@login_required
@require_http_methods(["GET", "POST"])
def request_import_create(request: AuthenticatedHttpRequest, request_list_id: int) -> HttpResponse:
    """Requests from a spreadsheet (the way request lists travel today): every line checked, none written unless all
    are right."""
    request_list = request_list_access(request, request_list_id, edit=True)
    form = RequestImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = sheets.read_import(form.cleaned_data["file"].read())
            raised = services.requests_import(request_list=request_list, rows=rows, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            messages.success(request, f"{len(raised)} request{'s' if len(raised) != 1 else ''} imported.")
            return redirect(request_list)
    context = {"request_list": request_list, "asset": request_list.asset, "team": request_list.team, "form": form}
    return render(request, "diligence/request_import.html", context, status=400 if form.errors else 200)


# --- the counterparty's copy: stamped ----------------------------------------------------------------------------


def _stamp(request: AuthenticatedHttpRequest) -> str:
    when = timezone.localtime()
    return f"Downloaded by {request.user} on {when:%Y-%m-%d %H:%M} {when.tzname()}"


@login_required
@require_GET
def counterparty_export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The contact's requests, every list of theirs, with who downloaded them and when on the first line."""
    contact, requests = contact_requests_access(request, log="export")
    rows = sheets.request_rows(requests, for_team=False)
    content = sheets.request_list_xlsx(None, rows, for_team=False, stamp=_stamp(request))
    return _attachment(content, XLSX_TYPE, "requests.xlsx")


@login_required
@require_GET
def counterparty_export_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    """As a PDF, stamped on every page like a memo download."""
    contact, requests = contact_requests_access(request, log="export")
    rows = sheets.request_rows(requests, for_team=False)
    pdf = render_memo_pdf(sheets.request_list_html(None, rows, for_team=False, contact=contact)).pdf
    return _attachment(stamp_pdf(pdf, _stamp(request)), "application/pdf", "requests.pdf")

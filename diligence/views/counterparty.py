"""The counterparty contact's pages: the requests addressed to them, answering with text and files, asking back.

They reach nothing else (config.middleware.CounterpartyConfinementMiddleware answers 404 to any other page), and
everything they do here is appended to the team's access log."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diligence.access import (
    answer_file_access_as_counterparty,
    contact_access,
    contact_requests_access,
    request_access_as_counterparty,
)
from diligence.models import CounterpartyRequest
from diligence.request_forms import AnswerForm, MessageForm
from diligence.selectors import requests as selectors
from diligence.services import requests as services
from diligence.views.requests import _file_response
from teams.http import AuthenticatedHttpRequest
from teams.services import counterparties

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_http_methods(["GET", "POST"])
def link_login(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link: the GET only asks to confirm (a mail scanner following the link must not use it up); the
    POST logs the contact in and uses the link."""
    if request.method == "GET":
        link = counterparties.login_link_peek(token=token)
        return render(request, "counterparty/link_login.html", {"link": link}, status=200 if link else 404)
    user = counterparties.login_link_redeem(token=token)
    if user is None:
        return render(request, "counterparty/link_login.html", {"link": None}, status=404)
    login(request, user, backend=MODEL_BACKEND)
    contact_access(cast(AuthenticatedHttpRequest, request), log="login")
    return redirect("counterparty:home")


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    contact, requests = contact_requests_access(request)
    return render(request, "counterparty/home.html", {"contact": contact, "requests": requests})


def _page(
    request: AuthenticatedHttpRequest,
    counterparty_request: CounterpartyRequest,
    *,
    answer_form: AnswerForm | None = None,
    question_form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    initial = {"version": counterparty_request.version}
    context = {
        "counterparty_request": counterparty_request,
        "thread": selectors.request_thread(request=counterparty_request),
        "answer_form": answer_form or AnswerForm(initial=initial),
        "question_form": question_form or MessageForm(initial=initial),
    }
    return render(request, "counterparty/request_detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    return _page(request, request_access_as_counterparty(request, counterparty_request_id, log="view"))


@login_required
@require_POST
def answer_create(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    counterparty_request = request_access_as_counterparty(request, counterparty_request_id, log="submit")
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_answer(
                request=counterparty_request,
                user=request.user,
                body=data["body"],
                uploads=data["attachments"],
                document_date=data["document_date"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            for field, errors in _by_field(error).items():
                form.add_error(field if field in form.fields else "attachments", errors)
        else:
            messages.success(request, f"Your answer to R-{counterparty_request.number} was sent.")
            return redirect(reverse("counterparty:request_detail", args=[counterparty_request.pk]))
    return _page(request, counterparty_request, answer_form=form, status=400)


def _by_field(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"attachments": error.messages}


@login_required
@require_POST
def question_create(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    counterparty_request = request_access_as_counterparty(request, counterparty_request_id, log="submit")
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.request_question_ask(
                request=counterparty_request,
                user=request.user,
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Your question was sent to the deal team.")
            return redirect(reverse("counterparty:request_detail", args=[counterparty_request.pk]))
    return _page(request, counterparty_request, question_form=form, status=400)


@login_required
@require_GET
def file_download(request: AuthenticatedHttpRequest, answer_file_id: int) -> FileResponse:
    """The contact's own files, back again."""
    return _file_response(answer_file_access_as_counterparty(request, answer_file_id, log="download"))


@login_required
@require_http_methods(["GET", "POST"])
def password_set(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A contact who came in by link sets a password (no old one to give)."""
    contact = contact_access(request)
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact_access(request, log="submit")  # a password set is in the team's access log too
        counterparties.counterparty_password_set(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, f"Password set: log in as {request.user.username} with it from now on.")
        return redirect("counterparty:home")
    return render(request, "counterparty/password_set.html", {"contact": contact, "form": form})

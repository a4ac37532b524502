"""Requests to the other side, as the deal team works them: the asset's request lists, inviting and revoking
contacts (the lead), raising requests from checklist items, and accepting or returning answers."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from assets.access import asset_access
from diligence.access import answer_file_access, request_access, request_list_access, review_access, review_item_access
from diligence.models import AnswerFile, CounterpartyRequest
from diligence.request_forms import BulkRequestForm, DecisionForm, InviteForm, MessageForm, RequestForm
from diligence.selectors import requests as selectors
from diligence.services import requests as services
from diligence.views.findings import _tab_page
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest
from teams.services.counterparties import counterparty_contact_revoke


@login_required
@require_GET
@vary_on_headers("HX-Request")
def asset_requests(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, log="view")
    context = {
        "request_lists": selectors.request_lists_of_asset(asset=asset),
        "can_lead": access.can_lead(request.user, asset.team_id),
    }
    return _tab_page(request, asset, "requests", context)


@login_required
@require_http_methods(["GET", "POST"])
def counterparty_invite_create(request: AuthenticatedHttpRequest, asset_id: int) -> HttpResponse:
    """The lead invites a contact to the asset's request list for them; a one-time login link is emailed."""
    asset = asset_access(request, asset_id)
    if not access.can_lead(request.user, asset.team_id):
        raise Http404("Not found.")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_list = services.counterparty_invite(
                asset=asset, actor=request.user, site_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{request_list.contact} invited: a login link is on its way by email.")
            return redirect(request_list)
    return render(request, "diligence/counterparty_invite.html", {"asset": asset, "team": asset.team, "form": form})


def _form_errors(form: InviteForm | MessageForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_GET
def request_list_detail(request: AuthenticatedHttpRequest, request_list_id: int) -> HttpResponse:
    request_list = request_list_access(request, request_list_id, log="view")
    context = {
        "request_list": request_list,
        "asset": request_list.asset,
        "team": request_list.team,
        "requests": selectors.requests_of_list(request_list=request_list),
        "can_lead": access.can_lead(request.user, request_list.team_id),
        "can_edit": access.can_edit(request.user, request_list.team_id),
    }
    return render(request, "diligence/request_list_detail.html", context)


@login_required
@require_POST
def counterparty_revoke_edit(request: AuthenticatedHttpRequest, request_list_id: int) -> HttpResponse:
    """At once: the contact's session is refused at their next request, and their unused links die."""
    request_list = request_list_access(request, request_list_id, lead=True)
    counterparty_contact_revoke(contact=request_list.contact, actor=request.user)
    messages.success(request, f"{request_list.contact} revoked: they can no longer log in.")
    return redirect(request_list)


@login_required
@require_POST
def login_link_create(request: AuthenticatedHttpRequest, request_list_id: int) -> HttpResponse:
    """The lead sends the contact a fresh one-time login link (an invitation expired, or a password forgotten)."""
    request_list = request_list_access(request, request_list_id, lead=True)
    try:
        services.login_link_send(contact=request_list.contact, site_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new login link is on its way to {request_list.contact.user.email}.")
    return redirect(request_list)


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """Raise a request from one checklist item."""
    item = review_item_access(request, item_id, edit=True)
    form = RequestForm(request.POST or None, asset_id=item.review.asset_id, initial={"text": item.template_item.text})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            [raised] = services.requests_raise(
                request_list=data["request_list"],
                items=[item],
                actor=request.user,
                text=data["text"],
                priority=data["priority"],
                due_on=data["due_on"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, f"R-{raised.number} sent to {raised.request_list.contact}.")
            return redirect(raised.request_list)
    context = {"item": item, "review": item.review, "team": item.review.team, "form": form}
    return render(request, "diligence/request_form.html", context)


@login_required
@require_POST
def request_bulk_create(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    """One request per checklist item selected on the review page."""
    review = review_access(request, review_id, edit=True)
    form = BulkRequestForm(request.POST, review=review)
    if "confirm" not in request.POST:  # from the review page's selection: choose the contact, priority and due date
        form = BulkRequestForm(initial={"items": request.POST.getlist("items")}, review=review)
        picked = [i for i in request.POST.getlist("items") if i.isdigit()]
        chosen = review.items.filter(archived_at__isnull=True, pk__in=picked).select_related("template_item")
        context = {"review": review, "team": review.team, "asset": review.asset, "form": form, "chosen": chosen}
        return render(request, "diligence/request_bulk_form.html", context)
    if not form.is_valid():
        messages.error(request, "Select items and a contact to send the requests to.")
        return redirect(review)
    data = form.cleaned_data
    try:
        raised = services.requests_raise(
            request_list=data["request_list"],
            items=list(data["items"]),
            actor=request.user,
            text=data["text"],
            priority=data["priority"],
            due_on=data["due_on"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(review)
    messages.success(request, f"{len(raised)} request{'s' if len(raised) != 1 else ''} sent.")
    return redirect(data["request_list"])


def _request_page(
    request: AuthenticatedHttpRequest,
    counterparty_request_id: int,
    *,
    form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    counterparty_request = request_access(request, counterparty_request_id, log="view")
    request_list = counterparty_request.request_list
    context = {
        "counterparty_request": counterparty_request,
        "request_list": request_list,
        "asset": request_list.asset,
        "team": request_list.team,
        "thread": selectors.request_thread(request=counterparty_request),
        "can_edit": access.can_edit(request.user, request_list.team_id),
        "message_form": form or MessageForm(initial={"version": counterparty_request.version}),
    }
    return render(request, "diligence/request_detail.html", context, status=status)


@login_required
@require_GET
def request_detail(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    return _request_page(request, counterparty_request_id)


def _decided(
    request: AuthenticatedHttpRequest,
    counterparty_request_id: int,
    decide: Callable[[CounterpartyRequest, int], str],
) -> HttpResponse:
    counterparty_request = request_access(request, counterparty_request_id, edit=True)
    form = DecisionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    if version is None:
        messages.error(request, "Reload the page and try again.")
    else:
        try:
            done = decide(counterparty_request, version)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
    return redirect(reverse("diligence:request_detail", args=[counterparty_request.pk]))


@login_required
@require_POST
def request_accept_edit(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    def accept(counterparty_request: CounterpartyRequest, version: int) -> str:
        evidence = services.request_accept(request=counterparty_request, user=request.user, expected_version=version)
        return f"Accepted: {len(evidence)} file{'s' if len(evidence) != 1 else ''} added to the item's evidence."

    return _decided(request, counterparty_request_id, accept)


@login_required
@require_POST
def request_return_edit(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    def send_back(counterparty_request: CounterpartyRequest, body: str, version: int) -> None:
        services.request_return(request=counterparty_request, user=request.user, reason=body, expected_version=version)

    return _message(request, counterparty_request_id, send_back, "Returned with your reason.")


@login_required
@require_POST
def request_reply_create(request: AuthenticatedHttpRequest, counterparty_request_id: int) -> HttpResponse:
    def reply(counterparty_request: CounterpartyRequest, body: str, version: int) -> None:
        services.request_reply(request=counterparty_request, user=request.user, body=body, expected_version=version)

    return _message(request, counterparty_request_id, reply, "Reply sent.")


def _message(
    request: AuthenticatedHttpRequest,
    counterparty_request_id: int,
    write: Callable[[CounterpartyRequest, str, int], None],
    done: str,
) -> HttpResponse:
    counterparty_request = request_access(request, counterparty_request_id, edit=True)
    form = MessageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            write(counterparty_request, data["body"], data["version"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("diligence:request_detail", args=[counterparty_request.pk]))
    return _request_page(request, counterparty_request_id, form=form, status=400)


@login_required
@require_GET
def answer_file_download(request: AuthenticatedHttpRequest, answer_file_id: int) -> FileResponse:
    answer_file = answer_file_access(request, answer_file_id, log="download")
    return _file_response(answer_file)


def _file_response(answer_file: AnswerFile) -> FileResponse:
    response = FileResponse(answer_file.file.open("rb"), as_attachment=True, filename=answer_file.original_name)
    response["Content-Type"] = answer_file.content_type
    response["Cache-Control"] = "private, no-store"
    return response

"""Reads for request lists and requests, from both sides: the team (scoped by membership) and the counterparty
contact (scoped to the requests addressed to them). Fixed query counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from diligence.models import AnswerFile, CounterpartyRequest, RequestList, RequestMessage
from teams import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from assets.models import Asset
    from teams.models import CounterpartyContact, User

    AnyUser = User | AnonymousUser


# --- the team's side -------------------------------------------------------------------------------------------


def request_list_get_for_user_or_404(*, user: AnyUser, request_list_id: int) -> RequestList:
    lists = RequestList.objects.select_related("asset", "team", "contact__user")
    return access.get_for_user_or_404(lists, user=user, pk=request_list_id)


def request_get_for_user_or_404(*, user: AnyUser, request_id: int) -> CounterpartyRequest:
    requests = CounterpartyRequest.objects.select_related(
        "request_list__asset", "request_list__team", "request_list__contact__user", "item__template_item", "raised_by"
    )
    return access.get_for_user_or_404(requests, user=user, team_field=CounterpartyRequest.team_path, pk=request_id)


def answer_file_get_for_user_or_404(*, user: AnyUser, answer_file_id: int) -> AnswerFile:
    files = AnswerFile.objects.select_related("message__request__request_list")
    return access.get_for_user_or_404(files, user=user, team_field=AnswerFile.team_path, pk=answer_file_id)


def request_lists_of_asset(*, asset: Asset) -> QuerySet[RequestList]:
    """The asset's lists with their contacts and how many requests wait on each side (one query)."""
    return (
        RequestList.objects.filter(asset=asset)
        .select_related("contact__user")
        .annotate(
            total=Count("requests"),
            waiting_on_them=Count("requests", filter=Q(requests__status__in=["open", "returned"])),
            waiting_on_us=Count("requests", filter=Q(requests__status__in=["answered", "question"])),
        )
        .order_by("created_at", "pk")
    )


def requests_of_list(*, request_list: RequestList) -> QuerySet[CounterpartyRequest]:
    return request_list.requests.select_related("item__template_item").order_by("number")


def requests_of_item(*, item_id: int) -> QuerySet[CounterpartyRequest]:
    return (
        CounterpartyRequest.objects.filter(item_id=item_id)
        .select_related("request_list__contact__user")
        .order_by("request_list", "number")
    )


def request_thread(*, request: CounterpartyRequest) -> QuerySet[RequestMessage]:
    """The request's messages in order with their authors and files (two queries)."""
    return (
        request.messages.select_related("author")
        .prefetch_related(Prefetch("files", queryset=AnswerFile.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


# --- the counterparty's side -----------------------------------------------------------------------------------


def contact_requests(*, contact: CounterpartyContact) -> QuerySet[CounterpartyRequest]:
    """Every request addressed to the contact, on every list of theirs, with the asset named."""
    return (
        CounterpartyRequest.objects.filter(request_list__contact=contact)
        .select_related("request_list__asset")
        .order_by("request_list__created_at", "request_list_id", "number")
    )


def request_get_for_contact_or_404(*, user: AnyUser, request_id: int) -> CounterpartyRequest:
    requests = CounterpartyRequest.objects.select_related("request_list__asset", "request_list__contact")
    return access.get_for_contact_or_404(
        requests, user=user, contact_field=CounterpartyRequest.contact_path, pk=request_id
    )


def answer_file_get_for_contact_or_404(*, user: AnyUser, answer_file_id: int) -> AnswerFile:
    files = AnswerFile.objects.select_related("message__request__request_list")
    return access.get_for_contact_or_404(files, user=user, contact_field=AnswerFile.contact_path, pk=answer_file_id)

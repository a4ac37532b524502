"""How a request reaches the work: one helper per kind (reviews, their items and evidence, findings, memos), each
fetching through the access policy, refusing a write to anyone who may only read, and recording the access where
the access log keeps it.

An outsider gets 404 from every helper, as from the policy itself; ``edit=True`` gives a partner the same 404, and
``review=True`` everyone but a partner; ``log`` is written only once every check has passed.
"""

from __future__ import annotations

from django.http import Http404

from diligence.models import AnswerFile, CounterpartyRequest, Evidence, Finding, Memo, RequestList, Review, ReviewItem
from diligence.selectors import memos as memo_selectors
from diligence.selectors import requests as request_selectors
from diligence.selectors import reviews as review_selectors
from teams import access
from teams.access import CounterpartyLogAction, LogAction
from teams.http import AuthenticatedHttpRequest
from teams.models import CounterpartyContact


def review_access(
    request: AuthenticatedHttpRequest, review_id: int, *, edit: bool = False, log: LogAction | None = None
) -> Review:
    review = review_selectors.review_get_for_user_or_404(user=request.user, review_id=review_id)
    return access.admit(request, review, edit=edit, log=log)


def review_item_access(
    request: AuthenticatedHttpRequest,
    item_id: int,
    *,
    edit: bool = False,
    log: LogAction | None = None,
    counts: bool = False,
) -> ReviewItem:
    """``counts``: the item as its row shows it, with its evidence and comment counts."""
    item = review_selectors.review_item_get_for_user_or_404(user=request.user, item_id=item_id, counts=counts)
    return access.admit(request, item, team_field=ReviewItem.team_path, edit=edit, log=log)


def evidence_access(request: AuthenticatedHttpRequest, evidence_id: int, *, log: LogAction | None = None) -> Evidence:
    """An evidence file of a checklist item; files are added to an item (``review_item_access``), never changed."""
    evidence = review_selectors.evidence_get_for_user_or_404(user=request.user, evidence_id=evidence_id)
    return access.admit(request, evidence, team_field=Evidence.team_path, log=log)


def finding_access(request: AuthenticatedHttpRequest, finding_id: int, *, edit: bool = False) -> Finding:
    finding = review_selectors.finding_get_for_user_or_404(user=request.user, finding_id=finding_id)
    return access.admit(request, finding, edit=edit)


def memo_access(
    request: AuthenticatedHttpRequest,
    memo_id: int,
    *,
    edit: bool = False,
    review: bool = False,
    rendered: bool = False,
    log: LogAction | None = None,
    log_kind: str | None = None,
) -> Memo:
    """A memo; ``rendered``: 404 unless its render is done (ready, with its frozen snapshot), asked before the
    access is logged, so reading or downloading a memo that is not there yet leaves no entry."""
    memo = memo_selectors.memo_get_for_user_or_404(user=request.user, memo_id=memo_id)
    if rendered and (memo.status != Memo.Status.READY or not memo.snapshot):
        raise Http404("The memo is not ready.")
    return access.admit(request, memo, edit=edit, review=review, log=log, log_kind=log_kind)


# --- requests to the other side: the team's side --------------------------------------------------------------


def request_list_access(
    request: AuthenticatedHttpRequest,
    request_list_id: int,
    *,
    edit: bool = False,
    lead: bool = False,
    log: LogAction | None = None,
) -> RequestList:
    """A request list; ``lead``: 404 for all but the team's lead (inviting and revoking contacts)."""
    request_list = request_selectors.request_list_get_for_user_or_404(
        user=request.user, request_list_id=request_list_id
    )
    if lead and not access.can_lead(request.user, request_list.team_id):
        raise Http404("Not found.")
    return access.admit(request, request_list, edit=edit, log=log)


def request_access(
    request: AuthenticatedHttpRequest, request_id: int, *, edit: bool = False, log: LogAction | None = None
) -> CounterpartyRequest:
    counterparty_request = request_selectors.request_get_for_user_or_404(user=request.user, request_id=request_id)
    return access.admit(request, counterparty_request, team_field=CounterpartyRequest.team_path, edit=edit, log=log)


def answer_file_access(request: AuthenticatedHttpRequest, answer_file_id: int, *, log: LogAction) -> AnswerFile:
    answer_file = request_selectors.answer_file_get_for_user_or_404(user=request.user, answer_file_id=answer_file_id)
    return access.admit(request, answer_file, team_field=AnswerFile.team_path, log=log)


# --- the counterparty's side: only what is addressed to them, and everything they do logged ------------------------


def contact_access(
    request: AuthenticatedHttpRequest, *, log: CounterpartyLogAction | None = None
) -> CounterpartyContact:
    """The request's user as a counterparty contact still allowed in, or 404 (team members included); ``log``
    records the reach of the contact itself (a login from an emailed link)."""
    contact = access.contact_get_for_user_or_404(request.user)
    return access.admit_counterparty(request, contact, team_field="team", log=log) if log else contact


def contact_requests_access(
    request: AuthenticatedHttpRequest, *, log: CounterpartyLogAction = "view"
) -> tuple[CounterpartyContact, list[CounterpartyRequest]]:
    """Every request addressed to the contact, each of their lists recorded in the access log (viewed, or
    exported)."""
    contact = contact_access(request)
    requests = list(request_selectors.contact_requests(contact=contact))
    for request_list in {r.request_list_id: r.request_list for r in requests}.values():
        access.admit_counterparty(request, request_list, team_field="team", log=log)
    return contact, requests


def request_access_as_counterparty(
    request: AuthenticatedHttpRequest, request_id: int, *, log: CounterpartyLogAction
) -> CounterpartyRequest:
    counterparty_request = request_selectors.request_get_for_contact_or_404(user=request.user, request_id=request_id)
    return access.admit_counterparty(request, counterparty_request, team_field=CounterpartyRequest.team_path, log=log)


def answer_file_access_as_counterparty(
    request: AuthenticatedHttpRequest, answer_file_id: int, *, log: CounterpartyLogAction
) -> AnswerFile:
    answer_file = request_selectors.answer_file_get_for_contact_or_404(user=request.user, answer_file_id=answer_file_id)
    return access.admit_counterparty(request, answer_file, team_field=AnswerFile.team_path, log=log)

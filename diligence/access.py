"""How a request reaches the work: one helper per kind (reviews, their items and evidence, findings, memos), each
fetching through the access policy, refusing a write to anyone who may only read, and recording the access where
the access log keeps it.

An outsider gets 404 from every helper, as from the policy itself; ``edit=True`` gives a partner the same 404, and
``review=True`` everyone but a partner; ``log`` is written only once every check has passed.
"""

from __future__ import annotations

from django.http import Http404

from diligence.models import Evidence, Finding, Memo, Review, ReviewItem
from diligence.selectors import memos as memo_selectors
from diligence.selectors import reviews as review_selectors
from teams import access
from teams.access import LogAction
from teams.http import AuthenticatedHttpRequest


def review_access(
    request: AuthenticatedHttpRequest, review_id: int, *, edit: bool = False, log: LogAction | None = None
) -> Review:
    review = review_selectors.review_get_for_user_or_404(user=request.user, review_id=review_id)
    return access.admit(request, review, edit=edit, log=log)


def review_item_access(
    request: AuthenticatedHttpRequest, item_id: int, *, edit: bool = False, log: LogAction | None = None
) -> ReviewItem:
    item = review_selectors.review_item_get_for_user_or_404(user=request.user, item_id=item_id)
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

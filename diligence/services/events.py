"""Who hears of what: each event of the work, turned into notifications for the people it concerns (never the person
who caused it). The services that make the events call these; ``notify`` applies each person's choice."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse

from diligence.models import CounterpartyRequest, Notification, ReviewItem
from diligence.progress import FINISHED
from diligence.services.notifications import notify
from teams import access
from teams.models import User

if TYPE_CHECKING:
    from teams.models import DealTeam

Kind = Notification.Kind
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]+)")


def _item_url(item: ReviewItem) -> str:
    return reverse("diligence:review_item_detail", args=[item.pk])


def _others(users: list[User | None], actor: User | None) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user is not None and (actor is None or user.pk != actor.pk):
            seen.setdefault(user.pk, user)
    return list(seen.values())


def item_assigned(*, item: ReviewItem, actor: User | None) -> None:
    if item.assignee is None:
        return
    message = f"You were assigned “{str(item)[:120]}” on {item.review.asset.code}."
    notify(users=_others([item.assignee], actor), kind=Kind.ASSIGNED, message=message,
           team_id=item.review.team_id, url=_item_url(item))  # fmt: skip


def comment_mentions(*, item: ReviewItem, body: str, actor: User) -> list[User]:
    """Each ``@login`` in a comment that names someone on the item's team: they are told (others named are not)."""
    logins = set(MENTION.findall(body))
    if not logins:
        return []
    named = [u for u in User.objects.filter(username__in=logins) if access.can_view(u, item.review.team_id)]
    message = f"{actor} mentioned you on “{str(item)[:100]}” ({item.review.asset.code})."
    people = _others(list(named), actor)
    notify(users=people, kind=Kind.MENTIONED, message=message, team_id=item.review.team_id, url=_item_url(item))
    return people


def _team_side(request: CounterpartyRequest) -> list[User | None]:
    """The member who raised a request and whoever the item is assigned to."""
    return [request.raised_by, request.item.assignee]


def _request_url(request: CounterpartyRequest, *, for_contact: bool) -> str:
    name = "counterparty:request_detail" if for_contact else "diligence:request_detail"
    return reverse(name, args=[request.pk])


def requests_raised(*, requests: list[CounterpartyRequest], actor: User | None) -> None:
    if not requests:
        return
    request_list = requests[0].request_list
    count = f"{len(requests)} new request{'s' if len(requests) != 1 else ''}"
    notify(users=_others([request_list.contact.user], actor), kind=Kind.REQUEST_RAISED,
           message=f"{count} from {request_list.team} on {request_list.asset.code}.", team_id=request_list.team_id,
           url=reverse("counterparty:home"))  # fmt: skip


def request_answered(*, request: CounterpartyRequest, actor: User, question: bool = False) -> None:
    kind = Kind.QUESTION_ASKED if question else Kind.REQUEST_ANSWERED
    what = "asked a question on" if question else "answered"
    request_list = request.request_list
    message = f"{request_list.contact.organisation} {what} R-{request.number} ({request_list.asset.code})."
    notify(users=_others(_team_side(request), actor), kind=kind, message=message,
           team_id=request.request_list.team_id, url=_request_url(request, for_contact=False))  # fmt: skip


def answer_decided(*, request: CounterpartyRequest, actor: User, accepted: bool) -> None:
    kind = Kind.ANSWER_ACCEPTED if accepted else Kind.ANSWER_RETURNED
    what = "accepted" if accepted else "returned: see the reason"
    message = f"Your answer to R-{request.number} on {request.request_list.asset.code} was {what}."
    notify(users=_others([request.request_list.contact.user], actor), kind=kind, message=message,
           team_id=request.request_list.team_id, url=_request_url(request, for_contact=True))  # fmt: skip


def membership_changed(*, team: DealTeam, user: User, role: str | None, actor: User | None) -> None:
    """The person concerned hears of a membership added, changed or removed (``role`` None)."""
    message = (
        f"You were removed from the deal team {team}." if role is None
        else f"Your role on the deal team {team} is now {role}."
    )  # fmt: skip
    notify(users=_others([user], actor), kind=Kind.MEMBERSHIP_CHANGED, message=message, team_id=team.pk)


def due_reminders_send(*, today: dt.date) -> int:
    """Items and requests due in 2 days, and overdue, each told once per threshold (and due date) to the person who
    must act: an item's assignee; a request's contact (and, once overdue, the member who raised it). Run by Celery
    beat; a second run the same day writes nothing new. Returns how many notifications were written."""
    soon = today + dt.timedelta(days=2)
    written = 0
    items = (
        ReviewItem.objects.filter(Q(due_on=soon) | Q(due_on__lt=today), assignee__isnull=False,
                                  archived_at__isnull=True)
        .exclude(status__in=FINISHED)
        .select_related("assignee", "review__asset", "template_item")
    )  # fmt: skip
    for item in items:
        if item.due_on is None or item.assignee is None:  # as filtered; says so to the type checker
            continue
        kind = Kind.DUE_SOON if item.due_on == soon else Kind.OVERDUE
        when = "is due in 2 days" if kind == Kind.DUE_SOON else f"was due on {item.due_on:%Y-%m-%d}"
        written += len(notify(
            users=[item.assignee], kind=kind, message=f"“{str(item)[:100]}” ({item.review.asset.code}) {when}.",
            team_id=item.review.team_id, url=_item_url(item), once_key=f"{kind}:item:{item.pk}:{item.due_on}",
        ))  # fmt: skip
    requests = (
        CounterpartyRequest.objects.filter(Q(due_on=soon) | Q(due_on__lt=today),
                                           status__in=[CounterpartyRequest.Status.OPEN,
                                                       CounterpartyRequest.Status.RETURNED])
        .select_related("request_list__contact__user", "request_list__asset", "raised_by")
    )  # fmt: skip
    for request in requests:
        if request.due_on is None:  # as filtered
            continue
        kind = Kind.DUE_SOON if request.due_on == soon else Kind.OVERDUE
        when = "is due in 2 days" if kind == Kind.DUE_SOON else f"was due on {request.due_on:%Y-%m-%d}"
        code = request.request_list.asset.code
        key = f"{kind}:request:{request.pk}:{request.due_on}"
        written += len(notify(
            users=[request.request_list.contact.user], kind=kind, message=f"R-{request.number} on {code} {when}.",
            team_id=request.request_list.team_id, url=_request_url(request, for_contact=True), once_key=key,
        ))  # fmt: skip
        if kind == Kind.OVERDUE and request.raised_by is not None:
            written += len(notify(
                users=[request.raised_by], kind=kind, message=f"R-{request.number} on {code} {when}, unanswered.",
                team_id=request.request_list.team_id, url=_request_url(request, for_contact=False), once_key=key,
                webhook=False,  # the same event as the contact's reminder, posted once
            ))  # fmt: skip
    return written

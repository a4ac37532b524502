"""Requests to the other side: raised from checklist items, answered by a counterparty contact with text and files,
accepted as evidence or returned with a reason by a member.

Each write takes the request's row lock and checks its version, so two members never both accept, and an answer
that arrives while a member decides is never accepted unseen."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assets.models import Asset
from diligence.models import AnswerFile, CounterpartyRequest, Evidence, RequestList, RequestMessage, ReviewItem
from diligence.request_sheets import ImportedRow
from diligence.services import events, queue
from diligence.services.notifications import MAIL_ERRORS
from diligence.uploads import check_upload
from teams.models import CounterpartyContact, LoginLink
from teams.services import counterparties

if TYPE_CHECKING:
    from teams.models import User

logger = logging.getLogger(__name__)

Status = CounterpartyRequest.Status
Kind = RequestMessage.Kind


# --- contacts and their lists ----------------------------------------------------------------------------------


@transaction.atomic
def counterparty_invite(
    *, asset: Asset, email: str, name: str, organisation: str, actor: User, site_url: str
) -> RequestList:
    """Invite a contact (new or already the team's) to the asset's request list for them, and email them a one-time
    login link from a worker once this commits."""
    contact = counterparties.counterparty_contact_invite(
        team=asset.team, email=email, name=name, organisation=organisation, actor=actor
    )
    request_list, _created = RequestList.objects.get_or_create(
        asset=asset, contact=contact, defaults={"team_id": asset.team_id, "created_by": actor}
    )
    login_link_send(contact=contact, site_url=site_url)
    return request_list


def login_link_send(*, contact: CounterpartyContact, site_url: str) -> LoginLink:
    """A new one-time link for the contact, emailed by a worker after commit."""
    link = counterparties.login_link_issue(contact=contact, site_url=site_url)
    transaction.on_commit(functools.partial(_enqueue_link, link.pk))
    return link


def _enqueue_link(link_id: int) -> None:
    try:
        queue.send(queue.LOGIN_LINK_EMAIL, args=[link_id], queue=_mail_queue())
    except Exception:  # the broker is down: the lead sees no email arrive and sends another link
        logger.exception("login link %s: its email could not be handed to the queue", link_id)


def _mail_queue() -> str:
    from django.conf import settings

    return str(settings.DILIGENCE_MAIL_QUEUE)


def login_link_email_send(*, link_id: int) -> bool:
    """Email a login link unless it went already, expired, or its contact was revoked. The token is made here, in
    the worker, and only its digest stored. Mail errors are raised for the task to retry (with a new token: the
    failed one never reached anyone)."""
    from django.urls import reverse

    with transaction.atomic():
        link = (
            LoginLink.objects.select_for_update()
            .select_related("contact__user", "contact__team")
            .filter(pk=link_id, emailed_at__isnull=True, used_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if link is None or link.contact.is_revoked or not link.contact.user.email:
            return False
        token = counterparties.login_link_token_make(link=link)
        url = link.site_url + reverse("counterparty:link_login", kwargs={"token": token})
        expires = timezone.localtime(link.expires_at)
        body = (
            f"{link.contact.team} asks {link.contact.organisation} for documents and answers in IIT Diligence.\n\n"
            f"Log in with this link (it works once, until {expires:%Y-%m-%d %H:%M %Z}):\n{url}\n\n"
            "Once in, you may set a password to log in with from then on."
        )
        email = EmailMessage(subject="[IIT Diligence] Requests for you", body=body, to=[link.contact.user.email])
        try:
            email.send()
        except MAIL_ERRORS as error:
            logger.warning("login link %s: email failed: %r", link_id, error)
            raise
        LoginLink.objects.filter(pk=link_id).update(emailed_at=timezone.now())
    return True


# --- raising ---------------------------------------------------------------------------------------------------


@transaction.atomic
def requests_raise(
    *,
    request_list: RequestList,
    items: Sequence[ReviewItem],
    actor: User | None,
    text: str = "",
    priority: str = CounterpartyRequest.Priority.NORMAL,
    due_on: dt.date | None = None,
) -> list[CounterpartyRequest]:
    """One request per checklist item, numbered on in the list; without a text, each asks for what its item checks."""
    request_list = RequestList.objects.select_for_update().select_related("contact").get(pk=request_list.pk)
    if request_list.contact.is_revoked:
        raise ValidationError("The contact of this list was revoked.")
    if not items:
        raise ValidationError("Choose at least one checklist item.")
    for item in items:
        if item.review.asset_id != request_list.asset_id or item.archived_at is not None:
            raise ValidationError("Requests are raised from live checklist items of the list's asset.")
    if priority not in CounterpartyRequest.Priority.values:
        raise ValidationError({"priority": "Choose a priority."})
    last = request_list.requests.aggregate(last=Max("number"))["last"] or 0
    raised = []
    for offset, item in enumerate(items, start=1):
        asked = text.strip() or item.template_item.text
        request = CounterpartyRequest(
            request_list=request_list,
            item=item,
            number=last + offset,
            text=asked,
            priority=priority,
            due_on=due_on,
            raised_by=actor,
        )
        request.full_clean(exclude=["request_list", "item", "raised_by"], validate_constraints=False)
        raised.append(request)
    created = CounterpartyRequest.objects.bulk_create(raised)
    events.requests_raised(requests=created, actor=actor)
    return created


@transaction.atomic
def requests_import(
    *, request_list: RequestList, rows: Sequence[ImportedRow], actor: User
) -> list[CounterpartyRequest]:
    """Requests read from a spreadsheet, each naming its checklist item by key: every row is checked first, and a
    file with any row at fault writes nothing (the error names each line)."""
    live = ReviewItem.objects.filter(review__asset_id=request_list.asset_id, archived_at__isnull=True)
    items = {item.key: item for item in live.select_related("template_item", "review")}
    unknown = [f"line {row.line}: no live checklist item has the key {row.item_key!r}" for row in rows
               if row.item_key not in items]  # fmt: skip
    if unknown:
        raise ValidationError(unknown)
    raised: list[CounterpartyRequest] = []
    for row in rows:
        raised += requests_raise(
            request_list=request_list,
            items=[items[row.item_key]],
            actor=actor,
            text=row.text,
            priority=row.priority,
            due_on=row.due_on,
        )
    return raised


# --- the counterparty's side -----------------------------------------------------------------------------------


def _locked(request: CounterpartyRequest, expected_version: int | None) -> CounterpartyRequest:
    current = (
        CounterpartyRequest.objects.select_for_update()
        .select_related("request_list__contact__user", "request_list__asset", "item__review")
        .get(pk=request.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ValidationError("The request changed since you opened it: reload the page and look again.")
    return current


def _moved(request: CounterpartyRequest, status: str) -> None:
    request.status = status
    request.version += 1
    request.save(update_fields=["status", "version", "updated_at"])


@transaction.atomic
def request_answer(
    *,
    request: CounterpartyRequest,
    user: User,
    body: str,
    uploads: Sequence[UploadedFile] = (),
    document_date: dt.date | None = None,
    expected_version: int | None = None,
) -> RequestMessage:
    """The contact answers with text and files (checked as evidence uploads are; one bad file refuses them all)."""
    current = _locked(request, expected_version)
    if current.status not in (Status.OPEN, Status.RETURNED, Status.QUESTION):
        raise ValidationError("This request is not waiting for an answer.")
    if not body.strip() and not uploads:
        raise ValidationError({"body": "Write an answer or attach a file."})
    checked = [(upload, check_upload(upload)) for upload in uploads]  # every file checked before anything is written
    message = RequestMessage.objects.create(request=current, kind=Kind.ANSWER, author=user, body=body.strip())
    for upload, check in checked:
        stored = AnswerFile(
            message=message,
            original_name=(upload.name or "")[:255],
            content_type=check.content_type,
            size=check.size,
            sha256=check.sha256,
            document_date=document_date,
        )
        stored.file.save("upload", upload, save=False)
        stored.save()
    _moved(current, Status.ANSWERED)
    events.request_answered(request=current, actor=user)
    return message


@transaction.atomic
def request_question_ask(
    *, request: CounterpartyRequest, user: User, body: str, expected_version: int | None = None
) -> RequestMessage:
    """The contact asks a clarifying question back; the request waits for the team's reply."""
    current = _locked(request, expected_version)
    if current.status not in (Status.OPEN, Status.RETURNED):
        raise ValidationError("Questions are asked while a request waits for your answer.")
    message = _message_post(current, user=user, kind=Kind.QUESTION, body=body, moves_to=Status.QUESTION)
    events.request_answered(request=current, actor=user, question=True)
    return message


EMPTY_MESSAGE: dict[str, str] = {
    Kind.QUESTION: "Write your question.",
    Kind.REPLY: "Write your reply.",
    Kind.RETURNED: "Say why the answer is returned.",
}


def _message_post(request: CounterpartyRequest, *, user: User, kind: str, body: str, moves_to: str) -> RequestMessage:
    """Post a written message on the locked request's thread and move the request on; an empty one is refused."""
    if not body.strip():
        raise ValidationError({"body": EMPTY_MESSAGE[kind]})
    message = RequestMessage.objects.create(request=request, kind=kind, author=user, body=body.strip())
    _moved(request, moves_to)
    return message


# --- the team's side -------------------------------------------------------------------------------------------


@transaction.atomic
def request_reply(
    *, request: CounterpartyRequest, user: User, body: str, expected_version: int | None = None
) -> RequestMessage:
    """A member answers the contact's question; the request is open again."""
    current = _locked(request, expected_version)
    if current.status != Status.QUESTION:
        raise ValidationError("There is no question to reply to.")
    return _message_post(current, user=user, kind=Kind.REPLY, body=body, moves_to=Status.OPEN)


def _latest_answer(request: CounterpartyRequest) -> RequestMessage | None:
    return request.messages.filter(kind=Kind.ANSWER).order_by("-created_at", "-pk").first()


@transaction.atomic
def request_accept(*, request: CounterpartyRequest, user: User, expected_version: int | None = None) -> list[Evidence]:
    """Accept the latest answer: its files become evidence on the checklist item, each recorded with its source
    (which request, from whom, when) and the date the document bears."""
    current = _locked(request, expected_version)
    if current.status != Status.ANSWERED:
        raise ValidationError("Only an answered request can be accepted.")
    if current.item.archived_at is not None:
        raise ValidationError("The checklist item was archived by an upgrade; return the answer instead.")
    answer = _latest_answer(current)
    if answer is None:  # an answered request always has an answer; a hand-edited row may not
        raise ValidationError("There is no answer to accept.")
    contact = current.request_list.contact
    source = (
        f"R-{current.number} answered by {contact.user} ({contact.organisation}) "
        f"on {timezone.localtime(answer.created_at):%Y-%m-%d}"
    )[:300]
    evidence = []
    for sent in answer.files.all():
        copy = Evidence(
            item=current.item,
            original_name=sent.original_name,
            content_type=sent.content_type,
            size=sent.size,
            sha256=sent.sha256,
            uploaded_by=user,
            document_date=sent.document_date,
            source=source,
            source_request=current,
        )
        with sent.file.open("rb") as content:
            copy.file.save("upload", content, save=False)
        copy.save()
        evidence.append(copy)
    RequestMessage.objects.create(request=current, kind=Kind.ACCEPTED, author=user)
    _moved(current, Status.ACCEPTED)
    events.answer_decided(request=current, actor=user, accepted=True)
    return evidence


@transaction.atomic
def request_return(
    *, request: CounterpartyRequest, user: User, reason: str, expected_version: int | None = None
) -> RequestMessage:
    """Send the answer back with the reason; the contact answers again."""
    current = _locked(request, expected_version)
    if current.status != Status.ANSWERED:
        raise ValidationError("Only an answered request can be returned.")
    message = _message_post(current, user=user, kind=Kind.RETURNED, body=reason, moves_to=Status.RETURNED)
    events.answer_decided(request=current, actor=user, accepted=False)
    return message

"""Memo jobs and their review. The Memo row is the job's truth; every step is a conditional update on it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from assets.models import Asset
from diligence.memos.render import render_memo_html, render_memo_pdf, stamp_pdf
from diligence.memos.snapshot import build_snapshot
from diligence.models import Memo, MemoComment, MemoDownload, Notification, Review
from diligence.services import queue
from diligence.services.notifications import notify
from teams.models import Membership

if TYPE_CHECKING:
    from teams.models import User

logger = logging.getLogger(__name__)


def _enqueue(memo_id: int) -> None:
    """Send the render to the memos queue. The time limits travel in the message, so they are read here."""
    queue.send(
        queue.MEMO_RENDER,
        args=[memo_id],
        queue=settings.DILIGENCE_MEMO_QUEUE,
        soft_time_limit=settings.DILIGENCE_MEMO_SOFT_TIME_LIMIT,
        time_limit=settings.DILIGENCE_MEMO_HARD_TIME_LIMIT,
    )
    Memo.objects.filter(pk=memo_id).update(enqueued_at=timezone.now())  # only once the broker has it


@transaction.atomic
def memo_request(*, asset: Asset, user: User | None) -> Memo:
    """Write memo version n+1 as queued; the render task is sent only once the row is committed."""
    Asset.objects.select_for_update().filter(pk=asset.pk).first()  # serialises version numbering per asset
    latest = Memo.objects.filter(asset=asset).aggregate(n=Max("version"))["n"] or 0
    review = Review.objects.filter(asset=asset).select_related("template_version").first()
    memo = Memo.objects.create(
        team_id=asset.team_id,
        asset=asset,
        review=review,
        version=latest + 1,
        requested_by=user,
        template_version=review.template_version if review else None,
    )
    # robust: with the broker down the memo is still saved and the request still answered; the sweeper sends it later.
    transaction.on_commit(lambda: _enqueue(memo.pk), robust=True)
    return memo


def _claim(memo_id: int, worker: str) -> bool:
    """queued → rendering, by exactly one worker; a redelivered or duplicate task finds nothing to claim."""
    return bool(
        Memo.objects.filter(pk=memo_id, status=Memo.Status.QUEUED).update(
            status=Memo.Status.RENDERING,
            stage=Memo.Stage.COLLECTING,
            started_at=timezone.now(),
            worker=worker[:200],
            attempts=F("attempts") + 1,
            error="",
        )
    )


def _stage(memo_id: int, stage: str) -> None:
    Memo.objects.filter(pk=memo_id, status=Memo.Status.RENDERING).update(stage=stage)


def memo_render(*, memo_id: int, worker: str = "inline", soft_limit: float | None = None) -> bool:
    """Render a claimed memo end to end. Returns False when there was nothing to claim (already done, or another
    worker has it). A failure is stored as a readable error; transient database errors are re-raised for retry
    after putting the job back in the queue."""
    if not _claim(memo_id, worker):
        return False
    started = time.monotonic()
    try:  # from here on, whatever happens is recorded on the claimed row
        memo = Memo.objects.select_related("asset", "team", "review").get(pk=memo_id)
        previous = Memo.objects.filter(asset=memo.asset_id, version__lt=memo.version, status=Memo.Status.READY)
        previous_snapshot = previous.order_by("-version").values_list("snapshot", flat=True).first()
        snapshot = build_snapshot(
            asset=memo.asset,
            review=memo.review,
            team=memo.team,
            version=memo.version,
            previous=previous_snapshot,
            today=timezone.localdate(),
            generated_at=timezone.now(),
        )
        _stage(memo_id, Memo.Stage.RENDERING)
        html = render_memo_html(snapshot)
        _stage(memo_id, Memo.Stage.LAYING_OUT)
        rendered = render_memo_pdf(html)
        _stage(memo_id, Memo.Stage.STORING)
        _store(memo, snapshot, rendered.pdf, rendered.pages, time.monotonic() - started)
    except DatabaseError:
        Memo.objects.filter(pk=memo_id, status=Memo.Status.RENDERING).update(
            status=Memo.Status.QUEUED, stage=Memo.Stage.WAITING
        )
        raise
    except SoftTimeLimitExceeded:
        limit = soft_limit or settings.DILIGENCE_MEMO_SOFT_TIME_LIMIT
        _fail(memo_id, f"Rendering took longer than the {limit:g}-second limit.")
        return True
    except Exception as error:
        logger.exception("memo %s failed", memo_id)
        _fail(memo_id, f"{type(error).__name__}: {error}")
        return True
    return True


@transaction.atomic
def _store(memo: Memo, snapshot: dict, pdf: bytes, pages: int, seconds: float) -> None:
    current = Memo.objects.select_for_update().get(pk=memo.pk)
    if current.status != Memo.Status.RENDERING:
        return  # the sweeper gave the job to another worker meanwhile; its result wins
    current.pdf.save("memo.pdf", ContentFile(pdf), save=False)
    current.sha256, current.pages, current.size = hashlib.sha256(pdf).hexdigest(), pages, len(pdf)
    current.snapshot, current.render_seconds = snapshot, round(seconds, 3)
    current.status, current.stage, current.finished_at = Memo.Status.READY, Memo.Stage.DONE, timezone.now()
    current.save()
    if current.requested_by is not None:
        notify(
            users=[current.requested_by],
            memo=current,
            kind=Notification.Kind.MEMO_READY,
            message=f"Memo version {current.version} on {memo.asset.code} is ready ({pages} pages).",
        )


def _fail(memo_id: int, error: str) -> None:
    with transaction.atomic():
        updated = Memo.objects.filter(pk=memo_id, status=Memo.Status.RENDERING).update(
            status=Memo.Status.FAILED, error=error[:2000], finished_at=timezone.now()
        )
        memo = Memo.objects.select_related("asset", "requested_by").get(pk=memo_id)
        if updated and memo.requested_by is not None:
            notify(
                users=[memo.requested_by],
                memo=memo,
                kind=Notification.Kind.MEMO_FAILED,
                message=f"Memo version {memo.version} on {memo.asset.code} failed: {error[:200]}",
            )


@transaction.atomic
def memo_retry(*, memo: Memo, user: User) -> Memo:
    """A failed memo back in the queue (same version)."""
    if not Memo.objects.filter(pk=memo.pk, status=Memo.Status.FAILED).update(
        status=Memo.Status.QUEUED, stage=Memo.Stage.WAITING, error="", finished_at=None
    ):
        raise ValidationError("Only a failed memo can be retried.")
    transaction.on_commit(lambda: _enqueue(memo.pk), robust=True)  # see memo_request
    return Memo.objects.get(pk=memo.pk)


@dataclass
class SweepResult:
    requeued: list[int]


def memo_sweep(*, stuck_after_seconds: float | None = None) -> SweepResult:
    """Requeue memos whose worker died: rendering for longer than the hard time limit (or queued that long, when
    the broker lost the message). Safe to run from many places at once: each requeue is a conditional update."""
    limit = stuck_after_seconds if stuck_after_seconds is not None else settings.DILIGENCE_MEMO_HARD_TIME_LIMIT + 30
    cutoff = timezone.now() - dt.timedelta(seconds=limit)
    requeued = []
    for memo_id in Memo.objects.filter(status=Memo.Status.RENDERING, started_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        if Memo.objects.filter(pk=memo_id, status=Memo.Status.RENDERING, started_at__lt=cutoff).update(
            status=Memo.Status.QUEUED, stage=Memo.Stage.WAITING
        ):
            requeued.append(memo_id)
            _enqueue(memo_id)
    # Queued and not handed to the broker for that long (or never: the broker was down when it was asked for), whether
    # it started once or not: its message is lost (a broker restart without persistence). A memo the broker got a
    # moment ago, a user's retry of an old one included, is left to its message.
    waiting = Q(enqueued_at__lt=cutoff) | Q(enqueued_at__isnull=True, requested_at__lt=cutoff)
    stale_queue = Memo.objects.filter(waiting, status=Memo.Status.QUEUED).exclude(pk__in=requeued)
    for memo_id in stale_queue.values_list("pk", flat=True):
        requeued.append(memo_id)
        _enqueue(memo_id)  # a duplicate message is harmless: only one claim succeeds
    return SweepResult(requeued=requeued)


# --- the partner review --------------------------------------------------------------------------------------


def _members(team_id: int, roles: tuple[str, ...]) -> list[User]:
    return [m.user for m in Membership.objects.filter(team_id=team_id, role__in=roles).select_related("user")]


def _transition(memo: Memo, *, allowed: tuple[str, ...], to: str, **fields: object) -> Memo:
    current = Memo.objects.select_for_update().select_related("asset").get(pk=memo.pk)
    if current.status != Memo.Status.READY:
        raise ValidationError("Only a ready memo can be reviewed.")
    if current.review_state not in allowed:
        raise ValidationError(f"This memo is {current.get_review_state_display().lower()}.")
    current.review_state = to
    for name, value in fields.items():
        setattr(current, name, value)
    current.save()
    return current


@transaction.atomic
def memo_submit(*, memo: Memo, user: User) -> Memo:
    """Ask the team's partners to review the memo."""
    allowed = (Memo.ReviewState.DRAFT, Memo.ReviewState.CHANGES_REQUESTED)
    current = _transition(
        memo, allowed=allowed, to=Memo.ReviewState.IN_REVIEW, submitted_by=user, submitted_at=timezone.now()
    )
    notify(
        users=_members(current.team_id, (Membership.Role.PARTNER,)),
        memo=current,
        kind=Notification.Kind.REVIEW_REQUESTED,
        message=f"Review requested: memo version {current.version} on {current.asset.code}.",
    )
    return current


@transaction.atomic
def memo_request_changes(*, memo: Memo, partner: User, comment: str) -> Memo:
    if not comment.strip():
        raise ValidationError({"body": "Say what should change."})
    current = _transition(
        memo,
        allowed=(Memo.ReviewState.IN_REVIEW,),
        to=Memo.ReviewState.CHANGES_REQUESTED,
        decided_by=partner,
        decided_at=timezone.now(),
    )
    MemoComment.objects.create(memo=current, author=partner, kind=MemoComment.Kind.CHANGES_REQUESTED, body=comment)
    notify(
        users=_members(current.team_id, (Membership.Role.MEMBER, Membership.Role.LEAD)),
        memo=current,
        kind=Notification.Kind.CHANGES_REQUESTED,
        message=f"Changes requested on memo version {current.version} on {current.asset.code}.",
    )
    return current


@transaction.atomic
def memo_approve(*, memo: Memo, partner: User, version_read: int | None = None) -> Memo:
    """Sign-off with name and time; the approved version is locked. ``version_read`` is the version the partner
    confirmed having read: a sign-off never lands on another version than the one read."""
    if version_read is not None and version_read != memo.version:
        raise ValidationError(f"You confirmed reading version {version_read}, not version {memo.version}.")
    current = _transition(
        memo,
        allowed=(Memo.ReviewState.IN_REVIEW,),
        to=Memo.ReviewState.APPROVED,
        decided_by=partner,
        decided_at=timezone.now(),
    )
    MemoComment.objects.create(memo=current, author=partner, kind=MemoComment.Kind.APPROVAL, body="Approved.")
    notify(
        users=_members(current.team_id, (Membership.Role.MEMBER, Membership.Role.LEAD)),
        memo=current,
        kind=Notification.Kind.APPROVED,
        message=f"Memo version {current.version} on {current.asset.code} approved by {partner}.",
    )
    return current


@transaction.atomic
def memo_comment_add(*, memo: Memo, user: User, section: str, body: str) -> MemoComment:
    if not body.strip():
        raise ValidationError({"body": "Write a comment first."})
    current = Memo.objects.select_for_update().get(pk=memo.pk)  # its state now, not as the caller last saw it
    if current.is_locked:
        raise ValidationError("This memo is approved and locked.")
    return MemoComment.objects.create(memo=current, author=user, section=section[:40], body=body.strip())


@transaction.atomic
def memo_download(*, memo: Memo, user: User) -> tuple[bytes, str]:
    """The stored PDF stamped on every page with who downloaded it and when; the download is recorded."""
    if memo.status != Memo.Status.READY:
        raise ValidationError("The memo is not ready yet.")
    when = timezone.localtime()
    stamp = f"Downloaded by {user} on {when:%Y-%m-%d %H:%M} {when.tzname()}"
    if memo.review_state == Memo.ReviewState.APPROVED and memo.decided_at is not None:
        # The sign-off travels with every copy: who approved which version, and when.
        approved = timezone.localtime(memo.decided_at)
        stamp = (
            f"Version {memo.version} approved by {memo.decided_by} on {approved:%Y-%m-%d %H:%M} {approved.tzname()}"
            f" · {stamp}"
        )
    MemoDownload.objects.create(memo=memo, user=user, stamp=stamp)
    with memo.pdf.open("rb") as stored:
        return stamp_pdf(stored.read(), stamp), f"{memo.asset.code}-memo-v{memo.version}.pdf"

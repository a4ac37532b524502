"""Notifications: written in the app within the caller's transaction; each one's email sent afterwards by a worker,
so no request waits on a mail server."""

from __future__ import annotations

import functools
import logging
from smtplib import SMTPException
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from diligence.models import Memo, Notification
from diligence.services import queue
from teams import access
from teams.models import Membership

if TYPE_CHECKING:
    from teams.models import Membership, User

logger = logging.getLogger(__name__)

# What a mail server or the network raises, and a stalled server cut off by the task's soft time limit: the email
# task retries these with backoff.
MAIL_ERRORS = (SMTPException, OSError, SoftTimeLimitExceeded)


def notify(*, users: list[User], memo: Memo, kind: str, message: str) -> list[Notification]:
    """In the app at once; by email, one per person with an address, handed to the queue once the caller commits."""
    return notify_team(users=users, team_id=memo.team_id, kind=kind, message=message, memo=memo)


def notify_team(
    *, users: list[User], team_id: int, kind: str, message: str, memo: Memo | None = None
) -> list[Notification]:
    """``notify`` for news of a team that is about no memo (a membership change)."""
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, team_id=team_id, kind=kind, memo=memo, message=message[:300]) for user in users]
    )
    for notification in notifications:
        if notification.user.email:
            transaction.on_commit(functools.partial(_enqueue_email, notification.pk))
    return notifications


def notify_shared_fact_change(*, description: str, assets_by_team: dict[int, set[int]]) -> list[Notification]:
    """Tell each affected team's members, in the app, that a shared fact their findings stand on changed and which of
    their assets were recomputed. Each team hears only of its own assets."""
    codes = dict(
        Asset.objects.filter(pk__in={a for ids in assets_by_team.values() for a in ids}).values_list("pk", "code")
    )
    members = Membership.objects.filter(team_id__in=assets_by_team, user__is_active=True).values_list(
        "team_id", "user_id"
    )
    notifications = []
    for team_id, user_id in members:
        assets = ", ".join(sorted(codes[a] for a in assets_by_team[team_id]))
        message = f"{description} Findings recomputed for {assets}."
        notifications.append(
            Notification(
                user_id=user_id, team_id=team_id, kind=Notification.Kind.SHARED_FACT_CHANGED, message=message[:300]
            )
        )
    return Notification.objects.bulk_create(notifications)


def _enqueue_email(notification_id: int) -> None:
    try:
        queue.send(queue.NOTIFICATION_EMAIL, args=[notification_id], queue=settings.DILIGENCE_MAIL_QUEUE)
    except Exception:  # the broker is down: the notification stands in the app; its email is not sent
        logger.exception("notification %s: its email could not be handed to the queue", notification_id)


def notification_email_send(*, notification_id: int) -> bool:
    """Send a notification's email unless it has been sent. Returns False when there was nothing to send (sent
    already, deleted, the person has no address, or may no longer see the team's work). Mail errors are logged and
    raised, for the task to retry.

    The row stays locked while the server takes the message, so a duplicate delivery of the task waits and then
    finds it sent; a worker that dies after sending but before committing sends it again (at least once)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().filter(pk=notification_id, emailed_at__isnull=True).first()
        )
        if notification is None:
            return False
        address = notification.user.email
        if not address or not access.can_view(notification.user, notification.team_id):
            return False  # no address, or no longer on the team (or deactivated): the memo is not theirs to hear of
        email = EmailMessage(subject=f"[IIT Diligence] {notification.message}", body=notification.message, to=[address])
        try:
            email.send()
        except MAIL_ERRORS as error:
            logger.warning("notification %s: email to user %s failed: %r", notification_id, notification.user_id, error)
            raise
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def membership_change_notify(*, membership: Membership, change: str, actor: User | None) -> list[Notification]:
    """Tell the team's leads of a membership change (``change``: simple-history's "+", "~" or "-"), whoever made it
    and however (the admin, a command, a service): a place on a team opens its deal data."""
    who = str(actor) if actor is not None else "A command run on the server"
    team, user, role = membership.team, membership.user, membership.get_role_display().lower()
    message = {
        "+": f"{who} added {user} to {team} as {role}.",
        "~": f"{who} made {user} {role} on {team}.",
        "-": f"{who} removed {user} ({role}) from {team}.",
    }[change]
    leads = list(access.team_leads(team))
    return notify_team(users=leads, team_id=team.pk, kind=Notification.Kind.MEMBERSHIP_CHANGED, message=message)

"""Notifications: written in the app within the caller's transaction; each one's email sent afterwards by a worker,
so no request waits on a mail server."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Iterable
from smtplib import SMTPException
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, RegistryRecordVersion
from diligence.models import Memo, Notification, NotificationPreference
from diligence.services import queue
from diligence.services.webhooks import webhooks_emit
from teams import access
from teams.models import Membership

if TYPE_CHECKING:
    from teams.models import Membership, User

logger = logging.getLogger(__name__)
Delivery = NotificationPreference.Delivery

# What a mail server or the network raises, and a stalled server cut off by the task's soft time limit: the email
# task retries these with backoff.
MAIL_ERRORS = (SMTPException, OSError, SoftTimeLimitExceeded)


def notify(
    *,
    users: Iterable[User],
    kind: str,
    message: str,
    memo: Memo | None = None,
    team_id: int | None = None,
    url: str = "",
    once_key: str = "",
    webhook: bool = True,
) -> list[Notification]:
    """Tell each person of an event as they chose for its kind: in the app with an email at once (handed to the
    queue once the caller commits), in the app and the daily digest, or not at all. With ``once_key`` an event
    reaches a person once only, however often it is written (by the database's unique constraint). The event also
    goes to the team's webhooks (``webhook``: once per event, so a second call for the same event says False), unless
    every notification of a keyed event was written before."""
    team = team_id if team_id is not None else memo.team_id if memo is not None else None
    if team is None:
        raise ValueError("a notification belongs to a team: give memo or team_id")
    people = {user.pk: user for user in users}
    choices = dict(
        NotificationPreference.objects.filter(user_id__in=list(people), kind=kind).values_list("user_id", "delivery")
    )
    written = [
        Notification(
            user=user,
            team_id=team,
            kind=kind,
            memo=memo,
            message=message[:300],
            url=url,
            once_key=once_key,
            digest=choices.get(user.pk) == Delivery.DIGEST,
        )
        for user in people.values()
        if choices.get(user.pk, Delivery.INSTANT) != Delivery.OFF
    ]
    # With a key, written one by one, so that the ones the constraint drops are known and mail no one.
    notifications = [n for n in written if _write_once(n)] if once_key else Notification.objects.bulk_create(written)
    for notification in notifications:
        if notification.user.email and not notification.digest:
            transaction.on_commit(functools.partial(_enqueue_email, notification.pk))
    if webhook and (notifications or not once_key):
        webhooks_emit(team_id=team, event=kind, message=message[:300], url=url)
    return notifications


def notify_shared_fact_change(*, description: str, assets_by_team: dict[int, set[int]]) -> list[Notification]:
    """Tell each affected team's members, as each chose for this kind of event (in the app, by email, in the
    digest), that a shared fact their findings stand on changed and which of their assets were recomputed. Each team
    hears only of its own assets."""
    codes = dict(
        Asset.objects.filter(pk__in={a for ids in assets_by_team.values() for a in ids}).values_list("pk", "code")
    )
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(team_id__in=assets_by_team, user__is_active=True).select_related(
        "user"
    ):
        members[membership.team_id].append(membership.user)
    notifications = []
    for team_id, people in members.items():
        assets = ", ".join(sorted(codes[a] for a in assets_by_team[team_id]))
        notifications += notify(
            users=people,
            kind=Notification.Kind.SHARED_FACT_CHANGED,
            message=f"{description} Findings recomputed for {assets}.",
            team_id=team_id,
        )
    return notifications


def notify_registry_version(*, version: RegistryRecordVersion, decided_by: User | None = None) -> list[Notification]:
    """Tell the study's team that the watch found a new version of its registry record (what changed, what it would
    do to the findings), or that a member decided on one (told to everyone but that member)."""
    study = version.study
    url = reverse("assets:study_registry", args=[study.pk])
    people = [
        m.user
        for m in Membership.objects.filter(team_id=version.team_id, user__is_active=True).select_related("user")
        if decided_by is None or m.user_id != decided_by.pk
    ]
    if decided_by is None:
        fields = ", ".join(change["label"] for change in version.changes) or "no compared field"
        findings = len(version.effects)
        message = (
            f"{version.registry_id} changed on the registry ({fields}); {findings} finding"
            f"{'s' if findings != 1 else ''} would change. Review it before accepting it into the facts."
        )
        kind = Notification.Kind.REGISTRY_CHANGED
    else:
        verb = "accepted into the facts" if version.status == version.Status.ACCEPTED else "kept out of the facts"
        message = f"{decided_by.get_username()} {verb} version {version.number} of {version.registry_id}."
        if version.note:
            message += f" Note: {version.note}"
        kind = Notification.Kind.REGISTRY_DECIDED
    return notify(users=people, kind=kind, message=message, team_id=version.team_id, url=url)


def _write_once(notification: Notification) -> bool:
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return False  # written before: this person has heard of it
    return True


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
        about_themselves = notification.kind == Notification.Kind.MEMBERSHIP_CHANGED  # a removal included
        if not address or not (about_themselves or may_hear_of(notification.user, notification.team_id)):
            return False  # no address, or no longer on the team (or deactivated): the event is not theirs to hear of
        body = notification.message + (f"\n\n{notification.url}" if notification.url else "")
        email = EmailMessage(subject=f"[IIT Diligence] {notification.message}", body=body, to=[address])
        try:
            email.send()
        except MAIL_ERRORS as error:
            logger.warning("notification %s: email to user %s failed: %r", notification_id, notification.user_id, error)
            raise
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    return True


def membership_change_notify(*, membership: Membership, change: str, actor: User) -> list[Notification]:
    """Tell the team's leads of a membership change someone made (``change``: simple-history's "+", "~" or "-"),
    however they made it (the admin, a service, a bare save in a request): a place on a team opens its deal data."""
    team, user, role = membership.team, membership.user, membership.get_role_display().lower()
    message = {
        "+": f"{actor} added {user} to {team} as {role}.",
        "~": f"{actor} made {user} {role} on {team}.",
        "-": f"{actor} removed {user} ({role}) from {team}.",
    }[change]
    leads = list(access.team_leads(team))
    return notify(users=leads, team_id=team.pk, kind=Notification.Kind.MEMBERSHIP_CHANGED, message=message)


def may_hear_of(user: User, team_id: int) -> bool:
    """On the team still, or its counterparty contact still allowed in: anyone else hears nothing of its work."""
    contact = access.contact_of(user)
    return access.can_view(user, team_id) or (contact is not None and contact.team_id == team_id)


def notification_digests_send(*, until: dt.datetime | None = None) -> int:
    """One email per person with every digest notification written before ``until`` and not yet emailed (run daily
    by Celery beat). Returns how many emails went. Each person's rows stay locked while their email is sent, so two
    runs never send the same digest twice."""
    until = until or timezone.now()
    pending = Notification.objects.filter(digest=True, emailed_at__isnull=True, created_at__lte=until)
    sent = 0
    for user_id in pending.values_list("user_id", flat=True).distinct().order_by("user_id"):
        with transaction.atomic():
            rows = list(pending.filter(user_id=user_id).select_for_update().select_related("user").order_by("pk"))
            if not rows:
                continue
            user = rows[0].user
            shown = [row for row in rows if may_hear_of(user, row.team_id)]
            if user.email and shown:
                lines = [f"- {row.message}" + (f" ({row.url})" if row.url else "") for row in shown]
                count = f"{len(shown)} event{'s' if len(shown) != 1 else ''}"
                email = EmailMessage(
                    subject=f"[IIT Diligence] Your daily digest: {count}", body="\n".join(lines), to=[user.email]
                )
                email.send()
                sent += 1
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=timezone.now())
    return sent


@transaction.atomic
def notification_preferences_set(*, user: User, choices: dict[str, str]) -> None:
    """Each kind of event at once, in the daily digest, or off; a kind not named keeps its choice."""
    unknown = set(choices) - set(Notification.Kind.values)
    if unknown or not set(choices.values()) <= set(Delivery.values):
        raise ValueError(f"not notification choices: {choices}")
    for kind, delivery in choices.items():
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})


def notification_preferences_of(*, user: User) -> dict[str, str]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.INSTANT) for kind in Notification.Kind.values}

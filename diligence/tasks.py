"""Celery tasks: thin wrappers that pass ids to services. The database row is the truth about each job."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from diligence.search import index as search
from diligence.services import events, findings, memos, notifications, queue, requests, webhooks
from teams.task_options import DATABASE_ROW_JOB


@shared_task(
    name=queue.MEMO_RENDER,
    **DATABASE_ROW_JOB,
    soft_time_limit=settings.DILIGENCE_MEMO_SOFT_TIME_LIMIT,
    time_limit=settings.DILIGENCE_MEMO_HARD_TIME_LIMIT,
)
def memo_render(self, memo_id: int) -> None:
    """Idempotent: a redelivered task finds the memo claimed or done and returns."""
    _hard, soft = self.request.timelimit or (None, None)
    memos.memo_render(memo_id=memo_id, worker=self.request.hostname or "worker", soft_limit=soft)


@shared_task(name=queue.MEMO_SWEEP, acks_late=True)
def memo_sweep() -> list[int]:
    """Run by Celery beat: requeue memos whose worker died mid-render."""
    return memos.memo_sweep().requeued


# Every email task: a mail server that refuses, drops or stalls (the soft limit cuts a stalled one off) is tried
# again, seven times, after a random part of 5, 10, 20, 40, 80, 160 and 240 seconds; the service logs each failure,
# Celery the last. No wait reaches Redis's default visibility timeout (300 s), after which a waiting retry would be
# redelivered.
MAIL_RETRIES: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": notifications.MAIL_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 240,
    "retry_jitter": True,
    "max_retries": 7,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(name=queue.NOTIFICATION_EMAIL, **MAIL_RETRIES)
def notification_email(notification_id: int) -> None:
    """Idempotent: a redelivered task finds the email sent and returns."""
    notifications.notification_email_send(notification_id=notification_id)


@shared_task(
    name=queue.SEARCH_INDEX,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def search_index(marks: list[list[object]]) -> int:
    """Rewrite the search entries of what the marks name (``[kind, id]`` pairs). Idempotent."""
    return search.search_index((str(kind), int(str(pk))) for kind, pk in marks)


@shared_task(name=queue.FINDINGS_RECOMPUTE, acks_late=True, autoretry_for=(DatabaseError,), max_retries=5)
def findings_recompute_assets(asset_ids: list[int]) -> int:
    """Idempotent: recomputing an asset whose facts did not change since writes nothing."""
    return findings.findings_recompute_many(asset_ids=asset_ids)


# Each attempt makes a new token: the failed one reached no one.
@shared_task(name=queue.LOGIN_LINK_EMAIL, **MAIL_RETRIES)
def login_link_email(link_id: int) -> None:
    """Idempotent: a redelivered task finds the link emailed and returns."""
    requests.login_link_email_send(link_id=link_id)


@shared_task(name=queue.DUE_REMINDERS, acks_late=True)
def due_reminders() -> int:
    """Run by Celery beat: items and requests due in 2 days or overdue, each told once per threshold."""
    return events.due_reminders_send(today=timezone.localdate())


@shared_task(
    name=queue.NOTIFICATION_DIGEST,
    acks_late=True,
    autoretry_for=notifications.MAIL_ERRORS,  # a digest not sent stays pending: the retry sends it, and only it
    retry_backoff=5,
    retry_backoff_max=240,
    retry_jitter=True,
    max_retries=7,
)
def notification_digest() -> int:
    """Run daily by Celery beat: one email per person with every event they chose to hear of in a digest."""
    return notifications.notification_digests_send()


@shared_task(
    name=queue.WEBHOOK_DELIVER,
    acks_late=True,
    # The receiver refused or could not be reached: tried again after a random part of 2, 4, 8, 16 and 32 seconds;
    # the service marks the delivery failed on its last attempt.
    autoretry_for=(webhooks.WebhookDeliveryFailed,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=webhooks.MAX_ATTEMPTS - 1,
    soft_time_limit=30,
    time_limit=60,
)
def webhook_deliver(delivery_id: int) -> None:
    """Idempotent: a redelivered task finds the delivery done and returns."""
    webhooks.webhook_deliver(delivery_id=delivery_id)

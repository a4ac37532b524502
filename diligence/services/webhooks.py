"""Team webhooks: each event posted as JSON, signed with HMAC-SHA256 of the body under the webhook's secret, by a
worker after commit, retried with backoff, every attempt in the delivery log the lead reads.

A receiver checks ``X-IIT-Signature: sha256=<hex>`` against ``hmac(secret, body, sha256)`` and may drop a repeated
``X-IIT-Delivery`` id: a worker that dies after the post but before recording it posts again (at least once)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from diligence.models import TeamWebhook, WebhookDelivery
from diligence.services import queue

if TYPE_CHECKING:
    from teams.models import DealTeam, User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # the first post and five retries (see diligence.tasks.webhook_deliver)
TIMEOUT_SECONDS = 10
Status = WebhookDelivery.Status


class WebhookDeliveryFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached): the task retries."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def webhook_create(*, team: DealTeam, url: str, actor: User) -> TeamWebhook:
    URLValidator(schemes=["http", "https"])(url)
    return TeamWebhook.objects.create(team=team, url=url, secret=secrets.token_hex(32), created_by=actor)


@transaction.atomic
def webhook_deactivate(*, webhook: TeamWebhook) -> None:
    TeamWebhook.objects.filter(pk=webhook.pk).update(active=False)


def webhooks_emit(*, team_id: int, event: str, message: str, url: str = "") -> list[WebhookDelivery]:
    """One delivery per active webhook of the team, posted by a worker once the caller commits."""
    hooks = list(TeamWebhook.objects.filter(team_id=team_id, active=True).select_related("team"))
    if not hooks:
        return []
    at = timezone.now().isoformat()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=hook,
            event=event,
            payload={"event": event, "team": hook.team.slug, "message": message, "url": url, "at": at},
        )
        for hook in hooks
    )
    for delivery in deliveries:
        transaction.on_commit(functools.partial(_enqueue, delivery.pk))
    return deliveries


def _enqueue(delivery_id: int) -> None:
    try:
        queue.send(queue.WEBHOOK_DELIVER, args=[delivery_id], queue=settings.DILIGENCE_MAIL_QUEUE)
    except Exception:  # the broker is down: the delivery stays pending in the log
        logger.exception("webhook delivery %s could not be handed to the queue", delivery_id)


def webhook_deliver(*, delivery_id: int) -> bool:
    """Post one delivery unless it is done. True when delivered now; raises ``WebhookDeliveryFailed`` for the task to
    retry while attempts remain, and marks it failed when they are spent. The row is locked during the post, so a
    duplicate task waits and finds it delivered."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("webhook")
            .filter(pk=delivery_id, status=Status.PENDING)
            .first()
        )
        if delivery is None or not delivery.webhook.active:
            return False
        body = json.dumps(delivery.payload, sort_keys=True).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL was validated as http(s) when the lead set it
            delivery.webhook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "IIT-Diligence-Webhook/1",
                "X-IIT-Event": delivery.event,
                "X-IIT-Delivery": str(delivery.pk),
                "X-IIT-Signature": signature(delivery.webhook.secret, body),
            },
        )
        delivery.attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
                delivery.last_status_code, delivery.last_error = response.status, ""
        except urllib.error.HTTPError as error:
            delivery.last_status_code, delivery.last_error = error.code, f"HTTP {error.code}"
        except (urllib.error.URLError, OSError) as error:
            delivery.last_status_code, delivery.last_error = None, str(getattr(error, "reason", error))[:300]
        delivered = delivery.last_status_code is not None and 200 <= delivery.last_status_code < 300
        if delivered:
            delivery.status, delivery.delivered_at = Status.DELIVERED, timezone.now()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Status.FAILED
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at"])
    if not delivered and delivery.status == Status.PENDING:
        raise WebhookDeliveryFailed(f"delivery {delivery_id}: {delivery.last_error}")
    return delivered

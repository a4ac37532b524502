"""Team webhooks: each event posted as JSON signed with HMAC-SHA256, checked by a test receiver (a local HTTP server);
a refused post retried with backoff by a real worker; the delivery log read by the lead alone."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from diligence.models import TeamWebhook, WebhookDelivery
from diligence.services import webhooks as services
from diligence.services.checklists import item_comment_add
from diligence.services.events import due_reminders_send
from tests.workers import running_worker, wait_for


@dataclass
class Receiver:
    """A local HTTP server that answers each post with the next status of ``answers`` (then 200), keeping what came."""

    url: str
    answers: list[int] = field(default_factory=list)
    received: list[tuple[Message, bytes]] = field(default_factory=list)  # headers read case-blind, as HTTP says

    def verified(self, secret: str) -> list[dict]:
        """The bodies whose X-IIT-Signature is the HMAC-SHA256 of the body under ``secret``, as a receiver checks."""
        good = []
        for headers, body in self.received:
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(str(headers.get("X-IIT-Signature", "")), expected):
                good.append(json.loads(body))
        return good


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.headers, body))
            self.send_response(state.answers.pop(0) if state.answers else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_an_event_is_posted_signed_and_a_refused_post_is_tried_again(world, receiver):
    assert world.facts.review_item  # built before the webhook exists: its own events are not posted
    hook = services.webhook_create(team=world.phoenix, url=receiver.url, actor=world.lead)
    item_comment_add(item=world.facts.review_item, user=world.member, body="@lead have a look")
    [delivery] = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.event == "mentioned" and delivery.payload["team"] == "phoenix"
    receiver.answers = [503]
    with pytest.raises(services.WebhookDeliveryFailed):
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert services.webhook_deliver(delivery_id=delivery.pk) is True
    assert services.webhook_deliver(delivery_id=delivery.pk) is False  # a redelivered task posts nothing more
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    bodies = receiver.verified(hook.secret)
    assert len(bodies) == 2 and bodies[0]["event"] == "mentioned" and "mentioned you" in bodies[0]["message"]
    assert receiver.verified("another secret") == []  # the check can fail
    assert {headers["X-IIT-Delivery"] for headers, _ in receiver.received} == {str(delivery.pk)}


@pytest.mark.django_db
def test_a_delivery_is_failed_once_its_attempts_are_spent(world, receiver):
    hook = services.webhook_create(team=world.phoenix, url=receiver.url, actor=world.lead)
    [delivery] = services.webhooks_emit(team_id=world.phoenix.pk, event="assigned", message="x")
    receiver.answers = [500] * services.MAX_ATTEMPTS
    for _ in range(services.MAX_ATTEMPTS - 1):
        with pytest.raises(services.WebhookDeliveryFailed):
            services.webhook_deliver(delivery_id=delivery.pk)
    assert services.webhook_deliver(delivery_id=delivery.pk) is False  # the last: recorded, no retry asked
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert hook.deliveries.count() == 1


@pytest.mark.django_db
def test_a_reminder_already_sent_posts_nothing_again_and_a_switched_off_hook_nothing_at_all(world, receiver):
    import datetime as dt

    from django.utils import timezone

    from diligence.services.checklists import review_item_update

    hook = services.webhook_create(team=world.phoenix, url=receiver.url, actor=world.lead)
    today = timezone.localdate()
    review_item_update(item=world.facts.review_item, user=world.lead, expected_version=None,
                       changes={"assignee": world.member, "due_on": today + dt.timedelta(days=2)})  # fmt: skip
    before = hook.deliveries.count()
    due_reminders_send(today=today)
    due_reminders_send(today=today)
    assert hook.deliveries.count() == before + 1
    services.webhook_deactivate(webhook=hook)
    item_comment_add(item=world.facts.review_item, user=world.member, body="@lead again")
    assert hook.deliveries.count() == before + 1


@pytest.mark.django_db
def test_the_lead_adds_a_webhook_and_reads_the_delivery_log(world, client_as, receiver):
    lead = client_as("lead")
    page = reverse("diligence:webhook_list", args=["phoenix"])
    lead.post(reverse("diligence:webhook_create", args=["phoenix"]), {"url": receiver.url})
    hook = TeamWebhook.objects.get(team=world.phoenix)
    services.webhooks_emit(team_id=world.phoenix.pk, event="assigned", message="Assigned to you")
    body = lead.get(page).content.decode()
    assert hook.secret in body and "assigned" in body and "Pending" in body
    assert client_as("member").get(page).status_code == 404
    other = TeamWebhook.objects.create(team=world.atlas, url="https://atlas.example/hook", secret="s")
    lead.post(reverse("diligence:webhook_deactivate_edit", args=["phoenix"]), {"webhook": other.pk})
    other.refresh_from_db()
    assert other.active  # another team's webhook is no choice
    lead.post(reverse("diligence:webhook_deactivate_edit", args=["phoenix"]), {"webhook": hook.pk})
    hook.refresh_from_db()
    assert not hook.active


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_a_refused_delivery_with_backoff(world, receiver):
    assert world.facts.review_item  # built before the webhook exists: its own events are not posted
    hook = services.webhook_create(team=world.phoenix, url=receiver.url, actor=world.lead)
    receiver.answers = [500]
    with running_worker(queues="default"):
        item_comment_add(item=world.facts.review_item, user=world.member, body="@lead on the worker")  # committed
        delivery = WebhookDelivery.objects.get(webhook=hook, event="mentioned")
        wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered", timeout=60,
                 what="the worker to deliver after a retry")  # fmt: skip
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    bodies = receiver.verified(hook.secret)
    assert len(bodies) == 2 and {b["event"] for b in bodies} == {"mentioned"}

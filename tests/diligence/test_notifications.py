"""Notifications: written with the event, in its transaction; their email sent afterwards by a worker, once each."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_string
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from diligence.models import Notification
from diligence.services import memos, queue
from diligence.services.notifications import notification_email_send, notify
from diligence.tasks import notification_email
from teams.services import membership_remove
from tests.factories import MembershipFactory, UserFactory
from tests.workers import running_worker, wait_for

NO_DEPRECATED_MAIL_API = pytest.mark.filterwarnings("error::django.utils.deprecation.RemovedInDjango2028Warning")


def smtp_mailers(port: int) -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


LOCMEM_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def silent_mail_server() -> Iterator[socket.socket]:
    """A port that accepts connections and never says a word: a mail server that hangs. Nothing reads from it, so a
    connection attempt stays queued on it for the test to find."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]  # free again once closed: nothing listens there


@pytest.mark.django_db
def test_notifications_are_written_at_once_and_each_email_handed_over_after_commit(
    world, django_capture_on_commit_callbacks
):
    memo = world.facts.memo
    no_address = UserFactory(email="")
    MembershipFactory(team=world.phoenix, user=no_address, role="partner")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written = notify(users=[world.partner, no_address], memo=memo, kind="review_requested",
                         message="Review requested: memo version 1 on PHX-1.")  # fmt: skip
        assert Notification.objects.filter(pk__in=[n.pk for n in written]).count() == 2  # in the transaction
    assert len(callbacks) == 1  # one email, for the one person with an address, sent only once committed
    assert mail.outbox == []


@NO_DEPRECATED_MAIL_API
@pytest.mark.django_db
def test_a_notifications_email_is_sent_once(world):
    [notification] = notify(users=[world.partner], memo=world.facts.memo, kind="review_requested",
                            message="Review requested: memo version 1 on PHX-1.")  # fmt: skip
    assert notification_email_send(notification_id=notification.pk) is True
    assert notification_email_send(notification_id=notification.pk) is False  # a redelivered task
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([world.partner.email], "[IIT Diligence] Review requested: memo version 1 on PHX-1.")
    ]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.django_db
def test_no_email_reaches_someone_who_has_left_the_team_or_been_deactivated(world):
    left, deactivated = world.partner, world.lead
    notifications = notify(users=[left, deactivated], memo=world.facts.memo, kind="approved",
                           message="Memo version 1 on PHX-1 approved.")  # fmt: skip
    membership_remove(membership=left.memberships.get(team=world.phoenix), actor=world.lead)
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    assert [notification_email_send(notification_id=n.pk) for n in notifications] == [False, False]
    assert mail.outbox == []


@NO_DEPRECATED_MAIL_API
@pytest.mark.django_db
def test_the_task_retries_a_mail_server_that_refuses_logs_each_failure_and_sends_once_it_answers(
    world, settings, caplog
):
    [notification] = notify(users=[world.partner], memo=world.facts.memo, kind="approved",
                            message="Memo version 1 on PHX-1 approved.")  # fmt: skip
    settings.MAILERS = smtp_mailers(closed_port())
    result = notification_email.apply(args=(notification.pk,))  # here, retries run at once instead of backing off
    assert result.failed()
    failures = [r for r in caplog.records if r.name == "diligence.services.notifications" and r.levelname == "WARNING"]
    assert notification_email.max_retries is not None
    assert len(failures) == notification_email.max_retries + 1  # every attempt, the last one included
    assert f"notification {notification.pk}: email to user {world.partner.pk} failed" in failures[0].getMessage()
    notification.refresh_from_db()
    assert notification.emailed_at is None and mail.outbox == []

    settings.MAILERS = LOCMEM_MAILERS  # the server is back
    assert notification_email.apply(args=(notification.pk,)).successful()
    assert [m.to for m in mail.outbox] == [[world.partner.email]]


@pytest.mark.django_db(transaction=True)
def test_a_request_does_not_wait_for_the_mail_server(world, client_as, settings, silent_mail_server):
    settings.MAILERS = smtp_mailers(silent_mail_server.getsockname()[1])
    memo = world.facts.memo
    response = client_as("member").post(reverse("diligence:memo_submit_edit", args=[memo.pk]))
    assert response.status_code == 302
    assert Notification.objects.filter(user=world.partner, memo=memo, kind="review_requested").exists()
    silent_mail_server.setblocking(False)
    with pytest.raises(BlockingIOError):  # no connection was ever opened to it: the email is the worker's to send
        silent_mail_server.accept()


def sent_mail(folder: Path) -> list[tuple[str, str]]:
    messages = [message_from_string(path.read_text()) for path in sorted(folder.iterdir())]
    return [(message["To"], message["Subject"]) for message in messages]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_memo_events_email_is_sent_by_a_real_worker_once(world, tmp_path):
    memo = world.facts.memo
    with running_worker(queues="default", mail_dir=tmp_path):
        memos.memo_submit(memo=memo, user=world.member)  # committed: the partner's email is handed to the queue
        notification = Notification.objects.get(user=world.partner, memo=memo, kind="review_requested")
        wait_for(lambda: bool(sent_mail(tmp_path)), timeout=60, what="the worker to send the email")
        assert sent_mail(tmp_path) == [
            (world.partner.email, f"[IIT Diligence] Review requested: memo version 1 on {memo.asset.code}.")
        ]
        # The same task delivered again, then the next event's email behind it on the same one-at-a-time worker.
        queue.send(queue.NOTIFICATION_EMAIL, args=[notification.pk])
        memos.memo_request_changes(memo=memo, partner=world.partner, comment="Cite the NHC filing date.")
        told = Notification.objects.filter(memo=memo, kind="changes_requested").count()  # the member and the lead
        wait_for(lambda: not Notification.objects.filter(memo=memo, emailed_at__isnull=True).exists(), timeout=60,
                 what="the next event's emails")  # fmt: skip
    subjects = [subject for _to, subject in sent_mail(tmp_path)]
    assert subjects.count(f"[IIT Diligence] Review requested: memo version 1 on {memo.asset.code}.") == 1
    assert told == 2 and len(subjects) == 1 + told

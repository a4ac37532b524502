"""Every event that concerns someone reaches them, as they chose (at once, in the daily digest, or off), and never
the person who caused it: assignments, @mentions, due and overdue reminders (once per threshold), requests raised,
answered, asked back, accepted and returned, and membership changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from diligence.models import Notification, NotificationPreference
from diligence.services import notifications as notification_services
from diligence.services import requests as request_services
from diligence.services.checklists import item_comment_add, review_item_update, review_items_bulk_update
from diligence.services.events import due_reminders_send
from teams.services import membership_remove, membership_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def test_an_assignment_tells_the_assignee_but_not_someone_assigning_themselves(world):
    item = world.facts.review.items.order_by("pk")[3]
    review_item_update(item=item, user=world.member, changes={"assignee": world.lead}, expected_version=None)
    [told] = Notification.objects.filter(user=world.lead, kind=Kind.ASSIGNED)
    assert "You were assigned" in told.message and told.url == reverse("diligence:review_item_detail", args=[item.pk])
    review_item_update(item=item, user=world.member, changes={"notes": "x"}, expected_version=None)
    review_item_update(item=item, user=world.member, changes={"assignee": world.member}, expected_version=None)
    assert kinds_of(world.lead) == [Kind.ASSIGNED] and kinds_of(world.member) == []
    review_items_bulk_update(review=world.facts.review, item_ids=[item.pk], user=world.lead, assignee=world.partner,
                             set_assignee=True)  # fmt: skip
    assert kinds_of(world.partner) == [Kind.ASSIGNED]


def test_a_mention_tells_the_colleague_named_and_nobody_outside_the_team(world):
    item = world.facts.review_item
    item_comment_add(item=item, user=world.member, body="@lead please check; cc @outsider and @nobody, mail@lead.cn")
    assert kinds_of(world.lead) == [Kind.MENTIONED]
    assert kinds_of(world.outsider) == []  # another team's user learns nothing, not even that they were named


def test_request_events_reach_the_other_side(world):
    facts = world.facts
    item = facts.review.items.order_by("pk")[2]
    review_item_update(item=item, user=world.member, changes={"assignee": world.partner}, expected_version=None)
    [request] = request_services.requests_raise(request_list=facts.request_list, items=[item], actor=world.member)
    contact = world.counterparty
    assert kinds_of(contact) == [Kind.REQUEST_RAISED, Kind.REQUEST_RAISED]  # the fixture's R-1, then this one
    request_services.request_question_ask(request=request, user=contact, body="Which?")
    request_services.request_reply(request=request, user=world.member, body="This.")
    request_services.request_answer(request=request, user=contact, body="Here.")
    request_services.request_return(request=request, user=world.member, reason="Unsigned.")
    request_services.request_answer(request=request, user=contact, body="Signed.")
    request_services.request_accept(request=request, user=world.lead)
    # The member who raised it and the item's assignee hear of answers and questions.
    for user in (world.member, world.partner):
        assert [k for k in kinds_of(user) if k != Kind.ASSIGNED] == [
            Kind.QUESTION_ASKED, Kind.REQUEST_ANSWERED, Kind.REQUEST_ANSWERED,
        ]  # fmt: skip
    assert kinds_of(contact)[2:] == [Kind.ANSWER_RETURNED, Kind.ANSWER_ACCEPTED]
    returned = Notification.objects.get(user=contact, kind=Kind.ANSWER_RETURNED)
    assert returned.url == reverse("counterparty:request_detail", args=[request.pk])


def test_a_membership_change_tells_the_person_concerned_even_once_removed(world, django_capture_on_commit_callbacks):
    newcomer = UserFactory(username="newcomer")
    with django_capture_on_commit_callbacks(execute=False):
        membership = membership_set(team=world.phoenix, user=newcomer, role="member", actor=world.lead)
        membership_set(team=world.phoenix, user=newcomer, role="partner", actor=world.lead)
        membership_remove(membership=membership, actor=world.lead)
        membership_set(team=world.atlas, user=newcomer, role="member", actor=None)  # an operator's: no one to tell of
    messages = list(Notification.objects.filter(user=newcomer).order_by("pk").values_list("message", flat=True))
    assert messages == [
        "Your role on the deal team Phoenix is now member.",
        "Your role on the deal team Phoenix is now partner.",
        "You were removed from the deal team Phoenix.",
    ]
    removal = Notification.objects.filter(user=newcomer).order_by("pk").last()
    assert removal is not None
    assert notification_services.notification_email_send(notification_id=removal.pk) is True
    assert mail.outbox[-1].to == [newcomer.email]


def test_due_and_overdue_reminders_are_written_once_per_item_and_threshold(world):
    today = timezone.localdate()
    facts = world.facts
    soon, late, done = facts.review.items.order_by("pk")[1:4]
    for item, due, status in ((soon, 2, "in_progress"), (late, -1, "in_progress"), (done, -1, "done")):
        review_item_update(item=item, user=world.lead, expected_version=None,
                           changes={"assignee": world.member, "due_on": today + dt.timedelta(days=due),
                                    "status": status})  # fmt: skip
    request = facts.counterparty_request
    request_services.request_return(request=request, user=world.member, reason="again")
    type(request).objects.filter(pk=request.pk).update(due_on=today + dt.timedelta(days=2))
    Notification.objects.all().delete()
    assert due_reminders_send(today=today) == 3  # two items, one request (to its contact)
    assert due_reminders_send(today=today) == 0  # never twice
    assert sorted(kinds_of(world.member)) == [Kind.DUE_SOON, Kind.OVERDUE]
    assert kinds_of(world.counterparty) == [Kind.DUE_SOON]
    # Three days on, the item that was due soon is overdue, and so is the request (told to its contact; the
    # fixture's request was raised by no one); the item already overdue is not told again.
    later = today + dt.timedelta(days=3)
    assert due_reminders_send(today=later) == 2
    assert kinds_of(world.counterparty) == [Kind.DUE_SOON, Kind.OVERDUE]
    # A new due date is a new reminder.
    review_item_update(item=late, user=world.lead, expected_version=None,
                       changes={"due_on": today + dt.timedelta(days=2)})  # fmt: skip
    assert due_reminders_send(today=today) == 1


def test_preferences_send_an_event_at_once_in_the_digest_or_not_at_all(world, client_as):
    page = client_as("lead").get(reverse("diligence:notification_preferences_edit"))
    assert page.status_code == 200 and "Mentioned" in page.content.decode()
    choices = {kind: "instant" for kind in Kind.values} | {"mentioned": "digest", "assigned": "off"}
    saved = client_as("lead").post(reverse("diligence:notification_preferences_edit"), choices)
    assert saved.status_code == 302
    assert (
        dict(NotificationPreference.objects.filter(user=world.lead).values_list("kind", "delivery"))["mentioned"]
        == "digest"
    )
    item = world.facts.review_item
    review_item_update(item=item, user=world.member, changes={"assignee": world.lead}, expected_version=None)
    assert kinds_of(world.lead) == []  # off
    item_comment_add(item=item, user=world.member, body="@lead see this")
    [mention] = Notification.objects.filter(user=world.lead)
    assert mention.digest  # in the app, and waiting for the digest
    assert mention.emailed_at is None


def test_the_daily_digest_is_one_email_with_every_event_of_the_day(world):
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=world.lead, kind=kind, delivery="digest") for kind in Kind.values
    )
    item = world.facts.review_item
    review_item_update(item=item, user=world.member, changes={"assignee": world.lead}, expected_version=None)
    item_comment_add(item=item, user=world.member, body="@lead one")
    item_comment_add(item=item, user=world.member, body="@lead two")
    item_comment_add(item=item, user=world.lead, body="@member thanks")  # the member's, at once
    mail.outbox.clear()
    assert notification_services.notification_digests_send() == 1
    [digest] = mail.outbox
    assert digest.to == [world.lead.email] and digest.subject == "[IIT Diligence] Your daily digest: 3 events"
    assert str(digest.body).count("\n") == 2 and "You were assigned" in str(digest.body)
    assert str(digest.body).count("mentioned you") == 2
    assert notification_services.notification_digests_send() == 0  # sent once
    assert len(mail.outbox) == 1

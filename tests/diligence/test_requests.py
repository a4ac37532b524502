"""Requests to the other side: raised from checklist items, answered by a counterparty contact who sees nothing
else, accepted as evidence (with its source and document date) or returned with a reason."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diligence.models import CounterpartyRequest, Evidence, RequestList
from diligence.services import requests as services
from diligence.services.checklists import review_start
from teams.models import AccessLogEntry, CounterpartyContact, LoginLink, User
from tests.conftest import MINIMAL_PDF, CsrfClient, client_for
from tests.factories import AssetFactory, CounterpartyContactFactory

pytestmark = pytest.mark.django_db

Status = CounterpartyRequest.Status


def pdf(name: str = "approval.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


@pytest.fixture
def raised(world):
    """Phoenix's request list to its contact, with two fresh open requests raised in bulk from two items."""
    facts = world.facts
    items = list(facts.review.items.order_by("pk")[1:3])
    return services.requests_raise(request_list=facts.request_list, items=items, actor=world.member, priority="high")


# --- raising ----------------------------------------------------------------------------------------------------


def test_requests_raised_in_bulk_are_numbered_on_and_ask_what_their_items_check(world, raised):
    assert [r.number for r in raised] == [2, 3]  # R-1 is the fixture's
    assert [r.text for r in raised] == [r.item.template_item.text for r in raised]
    assert {r.status for r in raised} == {Status.OPEN} and {r.priority for r in raised} == {"high"}


def test_a_request_is_raised_only_from_a_live_item_of_the_lists_asset(world):
    other = review_start(asset=AssetFactory(team=world.phoenix, code="PHX-9"), user=None)
    with pytest.raises(ValidationError, match="live checklist items of the list's asset"):
        services.requests_raise(
            request_list=world.facts.request_list, items=[other.items.order_by("pk")[0]], actor=world.member
        )
    assert world.facts.request_list.requests.count() == 1


def test_a_member_raises_a_request_from_an_item_and_in_bulk_from_the_review_page(world, client_as):
    facts = world.facts
    item = facts.review.items.order_by("pk")[4]
    page = client_as("member").get(reverse("diligence:request_create", args=[item.pk]))
    assert page.status_code == 200 and item.template_item.text in page.content.decode()
    response = client_as("member").post(
        reverse("diligence:request_create", args=[item.pk]),
        {"request_list": facts.request_list.pk, "text": "The HGR approval letter", "priority": "normal"},
    )
    assert response.status_code == 302
    assert CounterpartyRequest.objects.filter(item=item, text="The HGR approval letter", number=2).exists()
    picked = list(facts.review.items.order_by("pk").values_list("pk", flat=True)[5:8])
    bulk = reverse("diligence:request_bulk_create", args=[facts.review.pk])
    chooser = client_as("member").post(bulk, {"items": picked})
    assert chooser.status_code == 200 and "Send 3 requests" in chooser.content.decode()
    sent = client_as("member").post(
        bulk, {"items": picked, "request_list": facts.request_list.pk, "priority": "low", "confirm": "1"}
    )
    assert sent["Location"] == facts.request_list.get_absolute_url()
    assert facts.request_list.requests.filter(priority="low").count() == 3


def test_a_list_of_another_asset_cannot_be_chosen(world, client_as):
    facts = world.facts
    elsewhere = CounterpartyContactFactory(team=world.phoenix)
    other_list = RequestList.objects.create(
        team=world.phoenix, asset=AssetFactory(team=world.phoenix, code="PHX-8"), contact=elsewhere
    )
    item = facts.review.items.order_by("pk")[4]
    response = client_as("member").post(
        reverse("diligence:request_create", args=[item.pk]),
        {"request_list": other_list.pk, "text": "x", "priority": "normal"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not other_list.requests.exists()


# --- the counterparty sees their requests and nothing else --------------------------------------------------------


def test_a_contact_sees_only_the_requests_addressed_to_them(world, raised):
    elsewhere = CounterpartyContactFactory(team=world.phoenix, user__username="cro")
    other_asset = AssetFactory(team=world.phoenix, code="PHX-2")
    other_list = RequestList.objects.create(team=world.phoenix, asset=other_asset, contact=elsewhere)
    services.requests_raise(
        request_list=other_list, items=[review_start(asset=other_asset, user=None).items.order_by("pk")[0]],
        actor=world.member, text="CRO contract",
    )  # fmt: skip
    home = client_for(world.counterparty).get(reverse("counterparty:home")).content.decode()
    assert "Send the answer.pdf please" in home and raised[0].text[:40] in home
    assert "CRO contract" not in home and "PHX-2" not in home
    other_home = client_for(elsewhere.user).get(reverse("counterparty:home")).content.decode()
    assert "CRO contract" in other_home and "answer.pdf" not in other_home
    # A request of another contact, by id: 404, as for a stranger.
    foreign = other_list.requests.get()
    assert (
        client_for(world.counterparty).get(reverse("counterparty:request_detail", args=[foreign.pk])).status_code == 404
    )


def test_a_contact_reaches_no_page_of_the_team(world, client_as):
    facts = world.facts
    contact = client_for(world.counterparty)
    for url in (
        reverse("assets:asset_list"),
        reverse("assets:asset_detail", args=[facts.asset.pk]),
        reverse("assets:hospital_list"),
        reverse("diligence:review_detail", args=[facts.review.pk]),
        reverse("diligence:review_item_detail", args=[facts.review_item.pk]),
        reverse("diligence:memo_detail", args=[facts.memo.pk]),
        reverse("diligence:asset_findings", args=[facts.asset.pk]),
        reverse("diligence:notification_list"),
        reverse("diligence:request_detail", args=[facts.counterparty_request.pk]),  # the team's side of their request
        reverse("password_change"),
        "/admin/",
    ):
        assert contact.get(url).status_code == 404, url
    assert contact.get("/")["Location"] == reverse("counterparty:home")
    page = contact.get(reverse("counterparty:request_detail", args=[facts.counterparty_request.pk])).content.decode()
    assert "Send the answer.pdf please" in page
    for secret in (facts.asset.name, facts.review_item.template_item.text, "Phoenix CAR-T", "Assets", "Hospitals"):
        assert secret not in page
    # And the team's users do not use the contact's pages.
    detail = reverse("counterparty:request_detail", args=[facts.counterparty_request.pk])
    assert client_as("lead").get(detail).status_code == 404
    assert client_as("lead").get(reverse("counterparty:home")).status_code == 404


def test_a_membership_given_to_a_contact_by_mistake_opens_nothing(world):
    from teams.services import membership_set

    membership_set(team=world.phoenix, user=world.counterparty, role="lead", actor=None)
    contact = client_for(User.objects.get(pk=world.counterparty.pk))
    assert contact.get(reverse("assets:asset_detail", args=[world.facts.asset.pk])).status_code == 404
    assert contact.get(reverse("diligence:team_home", args=["phoenix"])).status_code == 404


def test_everything_a_contact_does_is_in_the_teams_access_log(world, raised):
    facts = world.facts
    contact = client_for(world.counterparty)
    before = AccessLogEntry.objects.filter(user=world.counterparty).count()
    contact.get(reverse("counterparty:home"))
    contact.get(reverse("counterparty:request_detail", args=[raised[0].pk]))
    contact.post(
        reverse("counterparty:answer_create", args=[raised[0].pk]),
        {"version": raised[0].version, "body": "Here", "attachments": [pdf()]},
    )
    contact.post(
        reverse("counterparty:question_create", args=[raised[1].pk]),
        {"version": raised[1].version, "body": "Which site?"},
    )
    contact.get(reverse("counterparty:file_download", args=[facts.answer_file.pk]))
    password = "a-long-contact-passphrase-7"
    contact.post(reverse("counterparty:password_set"), {"new_password1": password, "new_password2": password})
    entries = list(
        AccessLogEntry.objects.filter(user=world.counterparty, team=world.phoenix)
        .order_by("pk")
        .values_list("action", "object_kind")[before:]
    )
    assert entries == [
        ("view", "requestlist"),
        ("view", "counterpartyrequest"),
        ("submit", "counterpartyrequest"),
        ("submit", "counterpartyrequest"),
        ("download", "answerfile"),
        ("submit", "counterpartycontact"),
    ]


def test_the_contacts_pages_read_a_fixed_number_of_queries(world):
    facts = world.facts
    contact = client_for(world.counterparty)
    home = reverse("counterparty:home")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert contact.get(home).status_code == 200
        return len(queries)

    few = count()
    items = list(facts.review.items.order_by("pk")[1:21])
    services.requests_raise(request_list=facts.request_list, items=items, actor=world.member)
    assert count() == few


# --- answering, accepting, returning -------------------------------------------------------------------------------


def test_an_answer_with_a_file_is_accepted_into_the_items_evidence_with_its_source_and_date(world, raised, client_as):
    request = raised[0]
    contact = client_for(world.counterparty)
    answered = contact.post(
        reverse("counterparty:answer_create", args=[request.pk]),
        {"version": request.version, "body": "The 2019 approval", "attachments": [pdf("EC-2019.pdf")],
         "document_date": "2019-05-14"},
    )  # fmt: skip
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.ANSWERED
    assert not Evidence.objects.filter(source_request=request).exists()  # not evidence by itself
    lead = client_as("lead")
    lead.post(reverse("diligence:request_accept_edit", args=[request.pk]), {"version": request.version})
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
    evidence = Evidence.objects.get(source_request=request)
    assert evidence.item_id == request.item_id and evidence.original_name == "EC-2019.pdf"
    assert evidence.document_date == dt.date(2019, 5, 14)
    assert timezone.localdate(evidence.uploaded_at) == timezone.localdate()  # the day of acceptance, where the team is
    assert f"R-{request.number} answered by {world.counterparty}" in evidence.source
    assert (
        evidence.file.read() == MINIMAL_PDF
        and evidence.file.name != request.messages.get(kind="answer").files.get().file.name
    )
    detail = lead.get(reverse("diligence:review_item_detail", args=[request.item_id])).content.decode()
    assert "EC-2019.pdf" in detail and "dated 2019-05-14" in detail and "From R-" in detail


def test_a_stale_accept_is_refused(world):
    request = world.facts.counterparty_request  # answered by the fixture
    with pytest.raises(ValidationError, match="changed since"):
        services.request_accept(request=request, user=world.member, expected_version=request.version - 1)
    services.request_accept(request=request, user=world.member, expected_version=request.version)
    with pytest.raises(ValidationError, match="Only an answered request"):
        services.request_accept(request=request, user=world.member)
    assert Evidence.objects.filter(source_request=request).count() == 1  # accepted once


def test_a_returned_answer_is_answered_again(world, client_as):
    request = world.facts.counterparty_request
    lead = client_as("lead")
    refused = lead.post(reverse("diligence:request_return_edit", args=[request.pk]), {"version": request.version})
    assert refused.status_code == 400  # a return needs its reason
    lead.post(
        reverse("diligence:request_return_edit", args=[request.pk]),
        {"version": request.version, "body": "This letter is unsigned."},
    )
    request.refresh_from_db()
    assert request.status == Status.RETURNED
    page = (
        client_for(world.counterparty).get(reverse("counterparty:request_detail", args=[request.pk])).content.decode()
    )
    assert "This letter is unsigned." in page and "Returned" in page
    services.request_answer(request=request, user=world.counterparty, body="Signed copy", uploads=[pdf("signed.pdf")])
    request.refresh_from_db()
    assert request.status == Status.ANSWERED
    services.request_accept(request=request, user=world.member)
    assert list(Evidence.objects.filter(source_request=request).values_list("original_name", flat=True)) == [
        "signed.pdf"
    ]  # the latest answer's files only


def test_a_clarifying_question_is_answered_by_a_member(world, raised, client_as):
    request = raised[0]
    services.request_question_ask(request=request, user=world.counterparty, body="Which site's approval?")
    request.refresh_from_db()
    assert request.status == Status.QUESTION
    page = client_as("member").get(reverse("diligence:request_detail", args=[request.pk])).content.decode()
    assert "Which site&#x27;s approval?" in page and "Send reply" in page
    client_as("member").post(
        reverse("diligence:request_reply_create", args=[request.pk]), {"version": request.version, "body": "Ruijin."}
    )
    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert list(request.messages.values_list("kind", flat=True)) == ["question", "reply"]


def test_an_answer_with_a_file_that_is_not_what_it_says_writes_nothing(world, raised):
    request = raised[0]
    response = client_for(world.counterparty).post(
        reverse("counterparty:answer_create", args=[request.pk]),
        {"version": request.version, "body": "two files",
         "attachments": [pdf("good.pdf"), SimpleUploadedFile("bad.pdf", b"MZ\x90\x00 not a pdf at all")]},
    )  # fmt: skip
    assert response.status_code == 400 and "not an accepted file type" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.OPEN and not request.messages.exists()


def test_the_team_uploads_evidence_with_a_document_date(world, client_as):
    item = world.facts.review_item
    client_as("member").post(
        reverse("diligence:evidence_create", args=[item.pk]),
        {"file": pdf("ethics-2019.pdf"), "document_date": "2019-03-01"},
    )
    evidence = Evidence.objects.get(original_name="ethics-2019.pdf")
    assert evidence.document_date == dt.date(2019, 3, 1) and evidence.uploaded_at.year == timezone.now().year


# --- invitations, login links, revocation ----------------------------------------------------------------------------


def invite(client: CsrfClient, asset_id: int, email: str = "bd@licensor.example") -> Any:
    return client.post(
        reverse("diligence:counterparty_invite_create", args=[asset_id]),
        {"email": email, "name": "Li Wei", "organisation": "Licensor Biopharma"},
    )


def emailed_link(link: LoginLink) -> str:
    assert services.login_link_email_send(link_id=link.pk) is True
    [message] = [m for m in mail.outbox if link.contact.user.email in m.to]
    found = re.search(r"https?://\S+/respond/link/\S+/", str(message.body))
    assert found is not None, message.body
    return found.group(0)


def test_a_lead_invites_a_contact_who_logs_in_once_from_the_emailed_link(
    world, client_as, django_capture_on_commit_callbacks
):
    asset = world.facts.asset
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = invite(client_as("lead"), asset.pk)
    assert len(callbacks) == 1 and mail.outbox == []  # the email goes from a worker, after commit
    contact = CounterpartyContact.objects.get(user__email="bd@licensor.example")
    assert contact.user.is_counterparty and not contact.user.has_usable_password()
    request_list = RequestList.objects.get(asset=asset, contact=contact)
    assert response["Location"] == request_list.get_absolute_url()
    link = LoginLink.objects.get(contact=contact)
    url = emailed_link(link)
    assert services.login_link_email_send(link_id=link.pk) is False  # a redelivered task sends nothing more
    link.refresh_from_db()
    assert link.token_sha256 and link.token_sha256 not in url  # only the digest is stored
    path = url.split("testserver", 1)[1]
    browser = CsrfClient()
    assert browser.get(path).status_code == 200  # asks to confirm: a mail scanner does not use it up
    assert browser.post(path)["Location"] == reverse("counterparty:home")
    assert browser.get(reverse("counterparty:home")).status_code == 200
    assert AccessLogEntry.objects.filter(user=contact.user, action="login").count() == 1
    assert CsrfClient().post(path).status_code == 404  # once only


def test_members_and_partners_cannot_invite(world, client_as):
    assert invite(client_as("member"), world.facts.asset.pk).status_code == 404
    assert invite(client_as("partner"), world.facts.asset.pk).status_code == 404
    assert not User.objects.filter(email="bd@licensor.example").exists()


def test_an_address_of_a_team_member_is_not_invited_as_a_contact(world, client_as):
    response = invite(client_as("lead"), world.facts.asset.pk, email=world.member.email)
    assert response.status_code == 200 and "cannot be invited" in response.content.decode()
    assert not world.member.__class__.objects.get(pk=world.member.pk).is_counterparty


def test_an_expired_link_does_not_log_in(world):
    link = services.login_link_send(contact=world.counterparty.counterparty_contact, site_url="http://testserver")
    url = emailed_link(link)
    LoginLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    path = url.split("testserver", 1)[1]
    assert CsrfClient().get(path).status_code == 404
    assert CsrfClient().post(path).status_code == 404


def test_a_revoked_contacts_session_is_refused_at_the_next_request(world, client_as):
    contact = client_for(world.counterparty)
    detail = reverse("counterparty:request_detail", args=[world.facts.counterparty_request.pk])
    assert contact.get(detail).status_code == 200
    link = services.login_link_send(contact=world.counterparty.counterparty_contact, site_url="http://testserver")
    client_as("lead").post(reverse("diligence:counterparty_revoke_edit", args=[world.facts.request_list.pk]))
    refused = contact.get(detail)
    assert refused.status_code == 302 and refused["Location"].startswith(reverse("login"))
    assert services.login_link_email_send(link_id=link.pk) is False  # unused links die with the contact
    relogin = CsrfClient()
    assert not relogin.login(username="licensor", password="correct-horse-battery")
    page = client_as("lead").get(world.facts.request_list.get_absolute_url()).content.decode()
    assert "revoked" in page


def test_the_teams_request_pages_read_a_fixed_number_of_queries(world, client_as):
    facts = world.facts
    lead = client_as("lead")
    pages = [
        facts.request_list.get_absolute_url(),
        reverse("diligence:asset_requests", args=[facts.asset.pk]),
        reverse("diligence:request_detail", args=[facts.counterparty_request.pk]),
    ]

    def counts() -> list[int]:
        found = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert lead.get(url).status_code == 200
            found.append(len(queries))
        return found

    few = counts()
    items = list(facts.review.items.order_by("pk")[1:21])
    services.requests_raise(request_list=facts.request_list, items=items, actor=world.member)
    for _ in range(5):  # a longer thread on the first request
        services.request_return(request=facts.counterparty_request, user=world.member, reason="again")
        services.request_answer(
            request=facts.counterparty_request, user=world.counterparty, body="again", uploads=[pdf()]
        )
    extra = CounterpartyContactFactory(team=world.phoenix)
    RequestList.objects.create(team=world.phoenix, asset=facts.asset, contact=extra)
    assert counts() == few

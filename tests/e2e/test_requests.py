"""Requests to the other side in a real browser: a lead invites a contact, who logs in from the link a real worker
emailed, answers with a PDF, and sees nothing else; a member accepts one answer into the item's evidence and returns
another, which is answered again; a contact of another asset reaches none of it."""

from __future__ import annotations

import re
from email import message_from_bytes
from pathlib import Path

import pytest
from playwright.sync_api import expect

from diligence.models import CounterpartyRequest, Evidence, RequestList
from diligence.services.checklists import review_start
from tests import factories as f
from tests.conftest import MINIMAL_PDF
from tests.e2e.support import Session
from tests.workers import running_worker, wait_for

pytestmark = pytest.mark.e2e

CONTACT_EMAIL = "bd@licensor.example"
CONTACT_PASSWORD = "a-long-contact-passphrase-7"


def emailed_link(mail_dir: Path) -> str:
    """The login link in the one email the worker wrote to ``mail_dir``."""
    [sent] = list(mail_dir.iterdir())
    message = message_from_bytes(sent.read_bytes())
    assert CONTACT_EMAIL in str(message["To"])
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"https?://\S+/respond/link/\S+/", body.decode())
    assert found is not None, body
    return found.group(0)


def test_a_contact_answers_requests_from_an_emailed_link_and_a_member_accepts_and_returns(
    browse: Session, world, tmp_path
):
    page = browse.page
    asset = f.AssetFactory(team=world.phoenix, code="PHX-Q", name="Phoenix requests candidate")
    review = review_start(asset=asset, user=world.member)
    first, second = review.items.order_by("pk")[:2]
    pdf = tmp_path / "ethics-approval-2019.pdf"
    pdf.write_bytes(MINIMAL_PDF)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    # The lead invites a contact; a real worker emails the one-time link.
    with running_worker(mail_dir=mail_dir):
        browse.login("lead")
        browse.goto(f"/assets/{asset.pk}/requests/")
        page.get_by_role("link", name="Invite a contact").click()
        page.get_by_label("Email").fill(CONTACT_EMAIL)
        page.get_by_label("Name").fill("Li Wei")
        page.get_by_label("Organisation").fill("Licensor Biopharma")
        page.get_by_role("button", name="Invite").click()
        expect(page.locator(".messages")).to_contain_text("a login link is on its way")
        # The backend creates its file before it writes the message: wait for the message itself.
        wait_for(lambda: "/respond/link/" in "".join(p.read_text() for p in mail_dir.iterdir()), timeout=60,
                 what="the invitation email")  # fmt: skip
    link = emailed_link(mail_dir)
    request_list = RequestList.objects.get(asset=asset)

    # A member raises two requests from the checklist, in bulk.
    browse.logout()
    browse.login("member")
    browse.goto(review.get_absolute_url())
    for item in (first, second):
        page.locator(f"#item-{item.pk} input[name=items]").check()
    page.get_by_role("button", name="Request from the counterparty…").click()
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Send 2 requests").click()
    expect(page.locator(".messages")).to_contain_text("2 requests sent.")
    r1, r2 = CounterpartyRequest.objects.filter(request_list=request_list).order_by("number")
    browse.logout()

    # The contact logs in from the link, sees only their requests, sets a password and answers both with the PDF.
    page.goto(link)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests for Licensor Biopharma")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name="Assets")).to_have_count(0)
    browse.screenshot("counterparty_requests")
    page.get_by_role("link", name="Password").click()
    page.get_by_label("New password", exact=True).fill(CONTACT_PASSWORD)
    page.get_by_label("New password confirmation").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".messages")).to_contain_text("Password set")
    for request in (r1, r2):
        page.get_by_role("link", name=f"R-{request.number}", exact=True).click()
        answer = page.get_by_role("region", name="Answer")
        answer.get_by_label("Your answer").fill(f"Approval letter for R-{request.number}.")
        answer.get_by_label("Files").set_input_files(pdf)
        answer.get_by_label("Date the documents bear").fill("2019-05-14")
        answer.get_by_role("button", name="Send answer").click()
        expect(page.locator(".messages")).to_contain_text(f"Your answer to R-{request.number} was sent.")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Answered")
        page.get_by_role("link", name="Your requests").first.click()
    browse.screenshot("counterparty_answered")
    browse.goto(f"/assets/{asset.pk}/", status=404)  # nothing of the team's
    browse.logout()

    # The member accepts the first answer (its file becomes evidence on the item) and returns the second.
    browse.login("member")
    browse.goto(request_list.get_absolute_url())
    page.get_by_role("link", name=f"R-{r1.number}", exact=True).click()
    page.get_by_role("button", name="Accept answer").click()
    expect(page.locator(".messages")).to_contain_text("1 file added to the item's evidence.")
    page.get_by_role("link", name=first.template_item.text[:40], exact=False).click()
    expect(page.get_by_role("link", name="ethics-approval-2019.pdf")).to_be_visible()
    expect(page.get_by_text("dated 2019-05-14")).to_be_visible()
    expect(page.get_by_text(f"From R-{r1.number} answered by Li Wei (Licensor Biopharma)")).to_be_visible()
    evidence = Evidence.objects.get(item=first)
    assert evidence.source_request_id == r1.pk and evidence.sha256 == r1.messages.get(kind="answer").files.get().sha256
    browse.goto(f"/requests/{r2.pk}/")
    page.get_by_role("textbox", name="Message").fill("Unsigned: send the signed letter, please.")
    page.get_by_role("button", name="Return with this reason").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Returned")
    browse.logout()

    # The contact, by password now, sees the reason and answers again.
    browse.login(CONTACT_EMAIL, CONTACT_PASSWORD)
    expect(page.locator("tbody tr", has_text=f"R-{r2.number}")).to_contain_text("Returned")
    page.get_by_role("link", name=f"R-{r2.number}", exact=True).click()
    expect(page.get_by_text("Unsigned: send the signed letter, please.")).to_be_visible()
    answer = page.get_by_role("region", name="Answer")
    answer.get_by_label("Your answer").fill("Signed letter attached.")
    answer.get_by_label("Files").set_input_files(pdf)
    answer.get_by_role("button", name="Send answer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Answered")
    browse.check_accessibility("counterparty request")
    browse.logout()
    r2.refresh_from_db()
    assert r2.status == "answered" and r2.messages.filter(kind="answer").count() == 2

    # A contact of another asset (atlas's) reaches none of it.
    browse.login("atlas-licensor")
    for path in (f"/respond/requests/{r1.pk}/", f"/respond/requests/{r2.pk}/", request_list.get_absolute_url()):
        browse.goto(path, status=404)
    browse.goto("/respond/")
    expect(page.get_by_text("No requests for you yet.")).to_be_visible()

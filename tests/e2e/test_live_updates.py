"""Pages that keep up with what was just done, without a reload: a checklist row's counts after an upload or a
comment, details opened in place beneath their row, the memo versions table once a memo is asked for and ready."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import ViewportSize, expect

from diligence.models import Memo
from diligence.services.checklists import review_start
from diligence.services.findings import findings_recompute
from tests import factories as f
from tests.conftest import MINIMAL_PDF
from tests.e2e.support import DESKTOP, Session
from tests.workers import running_worker

pytestmark = pytest.mark.e2e

LAPTOP: ViewportSize = {"width": 1366, "height": 900}
RENDER_TIMEOUT = 180.0  # seconds; a cold worker's first WeasyPrint render on a busy machine


def test_details_open_beneath_their_row_and_the_row_counts_follow_uploads_and_comments(
    browse: Session, world, tmp_path
):
    review = review_start(asset=f.AssetFactory(team=world.phoenix, code="LIVE-1"), user=world.member)
    items = list(review.items.order_by("order", "pk"))
    item = items[len(items) // 2]  # well down the list: the details must open here, not at its top
    page = browse.page
    page.set_viewport_size(LAPTOP)
    browse.login("member")
    browse.goto(review.get_absolute_url())
    row, counts = page.locator(f"#item-{item.pk}"), page.locator(f"#item-{item.pk}-counts")
    expect(counts).to_have_text("0 files · 0 comments")

    row.get_by_role("link", name="Details").click()
    details = page.locator(f"#item-{item.pk}-detail")
    expect(details.get_by_role("region", name=item.template_item.text)).to_be_visible()
    following = page.evaluate(f"() => document.getElementById('item-{item.pk}').nextElementSibling.id")
    assert following == f"item-{item.pk}-detail"  # in place: the row right beneath the item's

    letter = tmp_path / "ethics-letter.pdf"
    letter.write_bytes(MINIMAL_PDF)
    details.get_by_label("Evidence file").set_input_files(letter)
    details.get_by_role("button", name="Upload").click()
    expect(details.get_by_role("link", name="ethics-letter.pdf")).to_be_visible()
    expect(counts).to_have_text("1 file · 0 comments")  # the row, not only the panel, without a reload

    details.get_by_label("Comment").fill("Letter received from the hospital's ethics office.")
    details.get_by_role("button", name="Comment").click()
    expect(details).to_contain_text("Letter received from the hospital's ethics office.")
    expect(counts).to_have_text("1 file · 1 comment")

    row.get_by_role("link", name="Details").click()  # a second click opens them once, not twice
    browse.wait_for_htmx()
    expect(page.locator(f"#item-{item.pk}-detail")).to_have_count(1)
    expect(page.locator(".detail-row")).to_have_count(1)
    browse.screenshot("live-checklist-details-1366")
    browse.phone_screenshot("live-checklist-details")

    page.locator(f"#item-{item.pk}-detail").get_by_role("link", name="Close").click()
    expect(page.locator(".detail-row")).to_have_count(0)
    expect(row).to_be_visible()
    page.set_viewport_size(DESKTOP)


def test_the_memo_versions_table_lists_a_memo_when_asked_for_and_when_ready(browse: Session, world):
    asset = f.AssetFactory(team=world.phoenix, code="LIVE-M", modality="small_molecule")
    f.StudyFactory(asset=asset)
    review_start(asset=asset, user=world.member)
    findings_recompute(asset_id=asset.pk)
    page = browse.page
    page.set_viewport_size(LAPTOP)
    browse.login("member")
    with running_worker():
        browse.goto(f"/assets/{asset.pk}/memos/")
        versions = page.locator("#memo-versions")
        expect(versions).to_contain_text("No memo yet")
        page.get_by_role("button", name="Generate memo").click()
        expect(versions.get_by_role("link", name="v1")).to_be_visible()  # listed as soon as it is asked for
        ready = page.locator("#memo-slot .memo-progress .badge", has_text="Ready")
        deadline = time.monotonic() + RENDER_TIMEOUT
        while not ready.is_visible():
            assert time.monotonic() < deadline, f"the memo was not ready after {RENDER_TIMEOUT:.0f} s"
            page.wait_for_timeout(250)
    memo = Memo.objects.get(asset=asset)
    assert memo.status == Memo.Status.READY
    row = versions.locator("tr", has=page.get_by_role("link", name="v1"))
    expect(row.locator(".badge")).to_have_text("Ready")  # the table caught up with the bar, no reload
    expect(row.get_by_role("link", name="Download")).to_be_visible()
    browse.screenshot("live-memo-versions-1366")
    browse.phone_screenshot("live-memo-versions")
    page.set_viewport_size(DESKTOP)


def test_fact_panels_open_beneath_the_row_or_heading_they_belong_to(browse: Session, world):
    study = f.StudyFactory(asset__team=world.phoenix, asset__code="LIVE-F", acronym="FIRST")
    for n in range(6):
        f.StudySiteFactory(study=study, hospital__name_en=f"Hospital {n}")
    f.StudyFactory(asset=study.asset, acronym="SECOND")
    page = browse.page
    page.set_viewport_size(LAPTOP)
    browse.login("member")
    browse.goto(f"/assets/{study.asset_id}/?tab=sites")
    row = page.locator("tr", has_text="Hospital 4")
    row.get_by_role("link", name=re.compile(r"^Edit ")).click()
    form = page.locator("#fact-slot").get_by_role("heading", name=re.compile(r"^Edit study site"))
    expect(form).to_be_visible()
    placed = page.evaluate(
        "() => { const slot = document.getElementById('fact-slot'); const holder = slot.closest('tr');"
        " return holder && holder.previousElementSibling.textContent.includes('Hospital 4'); }"
    )
    assert placed, "the edit panel did not open beneath its row"
    browse.screenshot("live-fact-edit-1366")
    browse.phone_screenshot("live-fact-edit")

    page.locator("tr", has_text="Hospital 1").get_by_role("link", name=re.compile(r"^History ")).click()
    expect(page.locator("#fact-slot").get_by_role("heading", name=re.compile(r"^History"))).to_be_visible()
    expect(page.locator("tr.slot-row")).to_have_count(1)  # moved, not copied: one panel at a time
    assert page.evaluate(
        "() => document.getElementById('fact-slot').closest('tr').previousElementSibling.textContent"
    ).count("Hospital 1")

    browse.goto(f"/assets/{study.asset_id}/?tab=studies")
    heading = page.locator(".section-head", has_text="SECOND")
    heading.get_by_role("link", name=re.compile(r"^Edit ")).click()
    expect(page.locator("#fact-slot").get_by_role("heading", name=re.compile(r"^Edit study"))).to_be_visible()
    assert page.evaluate(
        "() => document.getElementById('fact-slot').previousElementSibling.textContent.includes('SECOND')"
    )
    page.set_viewport_size(DESKTOP)

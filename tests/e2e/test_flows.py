"""The deal team's main flows in a real browser: facts to verdict, memos through a real worker, partner sign-off,
a template upgrade published in the admin, and the information barrier as an outsider sees it."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect
from pypdf import PdfReader

from assets.models import Asset
from diligence.models import Finding, Memo, Review, ReviewItem, TemplateVersion
from diligence.services.checklists import default_template_ensure, review_start
from diligence.services.findings import findings_recompute
from diligence.services.memos import memo_request, memo_submit
from tests import factories as f
from tests.conftest import MINIMAL_PDF
from tests.e2e.support import Session
from tests.fixtures import REGISTRY
from tests.workers import running_worker, wait_for

pytestmark = pytest.mark.e2e

TEMPLATE_MODELS = ["checklisttemplate", "templateversion", "templatequestion", "templateitem"]

CTGOV_RECORD = REGISTRY / "NCT00973089.json"  # hospital sponsor (class OTHER), one site in Israel
RENDER_TIMEOUT = 180.0  # seconds; a cold worker's first WeasyPrint render on a busy machine


def open_tab(browse: Session, label: str) -> None:
    tabs = browse.page.get_by_role("navigation", name="Asset sections")
    tabs.get_by_role("link", name=label, exact=True).click()
    expect(tabs.locator("[aria-current=page]")).to_have_text(label)


def verdict_answer(browse: Session):
    return browse.page.locator(".verdict h2 .answer")


def question_light(browse: Session, question: str):
    return browse.page.locator(".verdict table tr", has=browse.page.get_by_role("rowheader", name=question)).locator(
        ".badge"
    )


def test_member_creates_an_asset_imports_a_registry_record_and_works_the_checklist(browse: Session, world, tmp_path):
    page = browse.page
    browse.goto("/")
    assert browse.path() == "/accounts/login/"  # sent to log in first
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(f.TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phoenix")

    # A new asset.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assets").click()
    page.get_by_role("link", name="+ New asset").click()
    page.get_by_label("Code", exact=True).fill("LUM-7")
    page.get_by_label("Name", exact=True).fill("Lumen kinase inhibitor")
    page.get_by_label("Modality").select_option(label="Small molecule")
    page.get_by_label("Target").fill("KRAS G12C")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("LUM-7")
    expect(page.locator(".messages")).to_contain_text("Asset LUM-7 created.")
    asset = Asset.objects.get(team=world.phoenix, code="LUM-7")
    assert asset.name == "Lumen kinase inhibitor" and asset.target == "KRAS G12C"

    open_tab(browse, "Findings & verdict")
    # No facts: nothing is checked yet, so the answer is not a "yes" but says what is missing.
    expect(verdict_answer(browse)).to_have_text("Not yet established")
    expect(question_light(browse, "HGR and data export")).to_have_text("Not yet established")
    expect(page.locator(".verdict")).to_contain_text("No checklist review has been started for this asset.")
    expect(page.locator("article.finding")).to_contain_text("has no study on record")

    # A ClinicalTrials.gov record, uploaded through the import page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assets").click()
    page.get_by_role("link", name="Import from registry").click()
    upload = page.get_by_role("region", name="Upload record files")
    upload.get_by_label("Asset").select_option(label="LUM-7 · Lumen kinase inhibitor (Phoenix)")
    upload.get_by_label("Registry files").set_input_files(CTGOV_RECORD)
    with running_worker(queues="default"):  # the import runs as a job on a worker; the page follows its progress
        upload.get_by_role("button", name="Upload and preview").click()
        # First a preview: what it would create and the findings it would raise; nothing is written until confirmed.
        preview = page.get_by_role("region", name="Preview: nothing is written until you confirm")
        expect(preview).to_be_visible(timeout=60_000)
        expect(preview).to_contain_text("1 created, 0 updated, 0 unchanged")
        expect(preview.locator('[data-finding-change="appears"]').first).to_be_visible()
        # A dental-caries record onto a kinase inhibitor, and a withdrawn study: both said before anything is written.
        expect(preview.locator('[data-warning="intervention-mismatch"]')).to_contain_text("names LUM-7")
        expect(preview.locator('[data-warning="status"]')).to_contain_text("withdrawn")
        assert not asset.studies.exists()
        browse.check_accessibility("import preview")
        preview.get_by_role("button", name="Confirm and import").click()
        expect(page.locator('.import-job[data-import-job="done"]')).to_be_visible(timeout=60_000)
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text("NCT00973089")
    expect(result.locator(".badge", has_text="created")).to_be_visible()
    browse.check_accessibility("import result")
    study = asset.studies.get()
    assert (study.nct_id, study.sponsor_type) == ("NCT00973089", "iit")

    # The import raised a finding and open items (facts the registry does not give): still not established.
    browse.goto(f"/assets/{asset.pk}/findings/")
    expect(verdict_answer(browse)).to_have_text("Not yet established")
    findings = page.locator("article.finding")
    expect(findings).to_have_count(6)  # its one site is in Israel: no HGR question arises
    expect(findings.filter(has_text="supportive, not pivotal")).to_have_count(1)
    expect(findings.filter(has_text="Open item")).to_have_count(5)
    expect(question_light(browse, "Ownership")).to_have_text("Not yet established")

    # The checklist, worked inline.
    open_tab(browse, "Checklist")
    page.get_by_role("button", name="Start the diligence checklist").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Checklist")
    item = ReviewItem.objects.get(review__asset=asset, template_item__key="assignment-institution")
    row = page.locator(f"#item-{item.pk}")
    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Status").select_option(label="In progress")
    row.get_by_label("Assignee").select_option(label=str(world.member))
    row.get_by_label("Notes").fill("Asked the hospital's tech-transfer office for the executed assignment.")
    row.get_by_role("button", name="Save").click()
    row = page.locator(f"#item-{item.pk}")
    expect(row.locator(".badge.st-in_progress")).to_have_text("In progress")
    expect(row).to_contain_text(str(world.member))
    expect(row).to_contain_text("Asked the hospital's tech-transfer office")

    letter = tmp_path / "institution-assignment.pdf"
    letter.write_bytes(MINIMAL_PDF)
    row.get_by_role("link", name="Details").click()
    details = page.get_by_role("region", name=item.template_item.text)
    details.get_by_label("Evidence file").set_input_files(letter)
    details.get_by_role("button", name="Upload").click()
    details = page.get_by_role("region", name=item.template_item.text)
    expect(details.get_by_role("link", name="institution-assignment.pdf")).to_be_visible()

    row.get_by_role("link", name="Edit").click()
    row.get_by_label("Status").select_option(label="Done")
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#item-{item.pk} .badge.st-done")).to_have_text("Done")
    expect(page.locator(f"#item-{item.pk}-counts")).to_have_text("1 file · 0 comments")
    item.refresh_from_db()
    assert (item.status, item.assignee, item.evidence.count()) == ("done", world.member, 1)

    # Two open items mitigated with a note: their questions' gaps turn amber; the rest still holds the answer.
    page.get_by_role("link", name="Findings and verdict").click()
    for rule_id, note in [
        ("ownership-assignment", "Institution assignment executed; on file in the checklist."),
        ("ethics-coverage", "Approval letter for the Jerusalem site received, dated before first enrolment."),
    ]:
        finding = Finding.objects.get(asset=asset, rule_id=rule_id)
        card = page.locator(f"#finding-{finding.pk}")
        card.get_by_text("Acknowledge, mitigate or reopen").click()
        card.get_by_label("Action").select_option(label="Mitigated")
        card.get_by_label("Note (required to acknowledge or mitigate)").fill(note)
        card.get_by_role("button", name="Record").click()
        expect(page.locator(f"#finding-{finding.pk}")).to_contain_text("Mitigated by")
    expect(question_light(browse, "Ownership")).to_have_text("Not yet established")  # a critical item still open
    expect(verdict_answer(browse)).to_have_text("Not yet established")
    assert set(Finding.objects.filter(asset=asset).values_list("rule_id", "status")) == {
        ("ownership-assignment", "mitigated"),
        ("ethics-coverage", "mitigated"),
        ("iit-grade-evidence", "open"),
        ("cfr312-foreign-data", "open"),
        ("regeneration-estimate", "open"),
        ("overpayment-trap", "open"),
    }
    browse.screenshot("asset_checklist")


def test_member_watches_a_memo_render_on_a_real_worker_and_downloads_it(browse: Session, world, tmp_path):
    asset = f.AssetFactory(team=world.phoenix, code="PHX-M", name="Phoenix memo candidate", modality="small_molecule")
    f.StudyFactory(asset=asset)
    review_start(asset=asset, user=world.member)
    findings_recompute(asset_id=asset.pk)
    page = browse.page
    browse.login("member")

    with running_worker():
        browse.goto(f"/assets/{asset.pk}/memos/")
        page.get_by_role("button", name="Generate memo").click()
        progress = page.locator("#memo-slot .memo-progress")
        expect(progress.locator("progress")).to_be_visible()  # the bar shows while the memo is queued and rendering
        ready = progress.locator(".badge", has_text="Ready")
        seen = set()  # the values the bar showed while the page polled
        deadline = time.monotonic() + RENDER_TIMEOUT
        while not ready.is_visible():
            assert time.monotonic() < deadline, f"the memo was not ready after {RENDER_TIMEOUT:.0f} s"
            bar = progress.locator("progress")
            if bar.count():
                seen.add(int(bar.get_attribute("value") or 0))
            page.wait_for_timeout(200)
        expect(progress).to_contain_text("Memo version 1:")
        assert seen, "no progress bar was shown before the memo was ready"
    memo = Memo.objects.get(asset=asset)
    assert memo.status == "ready" and memo.worker.startswith("test-")

    with page.expect_download() as download_info:
        progress.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    reader = PdfReader(pdf)
    # pypdf reads the cover's display font as UTF-16 code units; dropping the NULs leaves the words.
    text = "\n".join(page_.extract_text() for page_ in reader.pages).replace("\x00", "")
    assert len(reader.pages) == memo.pages
    assert asset.code in text and asset.name in text
    assert f"Downloaded by {world.member}" in text  # every downloaded copy is stamped with its reader

    browse.screenshot("memo_render")  # the finished progress bar, with its download link
    page.reload()
    expect(page.locator("table tbody tr").first).to_contain_text("Ready")


def test_partner_requests_changes_the_team_regenerates_and_the_partner_approves(browse: Session, world):
    asset = f.AssetFactory(team=world.phoenix, code="PHX-R", name="Phoenix review candidate", modality="antibody")
    f.StudyFactory(asset=asset)
    findings_recompute(asset_id=asset.pk)
    page = browse.page

    with running_worker():
        first = memo_request(asset=asset, user=world.member)
        wait_for(lambda: Memo.objects.get(pk=first.pk).is_finished, timeout=RENDER_TIMEOUT, what="memo version 1")
        memo_submit(memo=Memo.objects.get(pk=first.pk), user=world.member)

        browse.login("partner")
        page.get_by_role("link", name="Review queue").click()
        queue_row = page.locator("tbody tr", has_text="PHX-R")
        expect(queue_row.get_by_role("link", name="PHX-R")).to_have_attribute("href", f"/assets/{asset.pk}/")
        expect(queue_row).to_contain_text(str(world.member))  # who asked for it
        queue_row.get_by_role("link", name="Version 1").click()
        review = page.get_by_role("region", name="Partner review")
        review.get_by_label("What should change").fill("Section 4: say who holds the data rights today.")
        review.get_by_role("button", name="Request changes").click()
        expect(page.locator(".messages")).to_contain_text("Changes requested; the team has been told.")
        expect(page.locator(".page-head .badge", has_text="Changes requested")).to_be_visible()
        browse.logout()

        browse.login("member")
        page.get_by_role("link", name="Notifications").click()
        page.get_by_role("link", name=re.compile("Changes requested.*PHX-R")).click()
        expect(page.get_by_role("region", name="Comments by section")).to_contain_text("who holds the data rights")
        page.get_by_role("link", name="PHX-R memos").click()
        page.get_by_role("button", name="Generate memo").click()
        progress = page.locator("#memo-slot .memo-progress")
        expect(progress).to_contain_text("Memo version 2")
        expect(progress.locator(".badge", has_text="Ready")).to_be_visible(timeout=RENDER_TIMEOUT * 1000)
    progress.get_by_role("link", name="Open", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Memo version 2")
    page.get_by_role("button", name="Send for partner review").click()
    expect(page.locator(".page-head .badge", has_text="Awaiting partner review")).to_be_visible()
    browse.logout()

    browse.login("partner")
    page.get_by_role("link", name="Review queue").click()
    expect(page.locator("tbody tr", has_text="PHX-R")).to_have_count(1)  # version 1 left the queue
    page.locator("tbody tr", has_text="PHX-R").get_by_role("link", name="Version 2").click()
    earlier = page.locator("ol.comments.earlier")
    expect(earlier).to_contain_text("Version 1")
    expect(earlier).to_contain_text("say who holds the data rights today")  # the request stays in view on v2
    review = page.get_by_role("region", name="Partner review")
    expect(review.get_by_role("note")).to_contain_text("the same as version 1, on which changes were requested")
    review.get_by_role("button", name="Approve and sign off").click()  # without confirming what was read
    expect(page.locator(".messages")).to_contain_text("Tick the box to confirm which version you read")
    page.get_by_label("I have read version 2").check()
    page.get_by_role("button", name="Approve and sign off").click()
    expect(page.locator(".messages")).to_contain_text("Memo version 2 approved and locked.")
    expect(page.locator(".page-head")).to_contain_text(f"Signed off by {world.partner}")
    expect(page.get_by_role("region", name="Partner review")).to_have_count(0)
    versions = dict(Memo.objects.filter(asset=asset).values_list("version", "review_state"))
    assert versions == {1: "changes_requested", 2: "approved"}
    browse.screenshot("partner_review")


def test_staff_publish_a_new_template_version_and_the_team_upgrades(browse: Session, world):
    version_1 = default_template_ensure()
    world.staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="diligence", content_type__model__in=TEMPLATE_MODELS)
    )
    asset = f.AssetFactory(team=world.phoenix, code="PHX-U", name="Phoenix upgrade candidate")
    review = review_start(asset=asset, user=world.member)
    page = browse.page

    browse.login("admin")
    expect(page.get_by_text("You are not on any deal team yet.")).to_be_visible()  # staff see no deal data
    browse.check_accessibility("home: no deal team")
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Checklist templates").click()
    page.get_by_role("link", name=version_1.template.name).click()
    page.get_by_role("button", name="New draft (a copy of version 1)").click()
    expect(page.get_by_role("heading", name=f"{version_1.template.name} v2 (draft)")).to_be_visible()
    draft = TemplateVersion.objects.get(template=version_1.template, number=2)
    page.get_by_label("Change note").fill("Consent versions are now checked site by site.")
    text = page.locator("textarea", has_text="Consent form versions match the protocol versions")
    text.fill("")  # a required field left empty, far down the page
    page.get_by_role("button", name="Save and continue editing").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("1 problem to fix before this version saves")
    summary.get_by_role("link").click()  # the summary links to the field
    expect(page.locator("textarea:focus, textarea:target")).to_have_count(1)
    text = page.locator(f"#{page.evaluate('location.hash.slice(1)')}")
    text.fill("Consent form versions match the protocol versions each committee approved, site by site")
    item_form = text.locator("xpath=ancestor::*[contains(@class, 'djn-inline-form')][1]")
    item_form.get_by_label("Wording-only edit").check()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    browse.check_accessibility("admin: template version")
    page.get_by_role("link", name="Publish", exact=True).click()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".messagelist")).to_contain_text("version 2 is published; it is now frozen.")
    draft.refresh_from_db()
    assert draft.is_published and draft.change_note.startswith("Consent versions")
    browse.goto("/")
    browse.logout()

    browse.login("member")
    browse.goto(f"/reviews/{review.pk}/")
    banner = page.locator(".banner")
    expect(banner).to_contain_text("Version 2 of China IIT diligence is published.")
    expect(banner).to_contain_text("0 added, 0 changed, 1 reworded (answers kept), 0 removed.")
    banner.get_by_role("link", name="See what changed and upgrade").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Version 1 → version 2")
    expect(page.get_by_text("Consent versions are now checked site by site.")).to_be_visible()
    reworded = page.locator("tr.upgrade-reworded")
    expect(reworded).to_contain_text("each committee approved, site by site")
    expect(reworded).to_contain_text("Answer kept: the wording changed")
    browse.check_accessibility("review upgrade")
    page.get_by_role("button", name="Upgrade this checklist").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 2")
    expect(page.locator(".banner")).to_have_count(0)
    expect(page.get_by_text("each committee approved, site by site")).to_be_visible()
    assert Review.objects.get(pk=review.pk).template_version == draft
    browse.screenshot("template_upgrade")


def test_an_outsider_finds_nothing_of_another_team_and_a_copied_link_gives_404(browse: Session, world):
    phoenix_asset = f.AssetFactory(team=world.phoenix, code="PHX-1", name="Phoenix CAR-T")
    review = review_start(asset=phoenix_asset, user=world.member)
    f.AssetFactory(team=world.atlas, code="ATL-101", name="Atlas antibody")
    page = browse.page
    browse.login("outsider")
    browse.goto("/assets/")
    search = page.get_by_role("searchbox", name="Search", exact=True)
    count = page.locator("#results .result-count")

    def search_for(query: str) -> None:
        search.fill(query)  # htmx asks as one types, then puts the query in the address bar with the results
        expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(quote(query)) + "(&|$)"))

    search_for("ATL-101")  # the search works: the outsider's own team's asset is found
    expect(count).to_have_text("1 asset")
    expect(page.locator("#results tbody")).to_contain_text("Atlas antibody")
    for query in ("PHX-1", "Phoenix CAR-T", "Phoenix"):
        search_for(query)
        expect(count).to_have_text("0 assets")
        expect(page.locator("#results tbody")).not_to_contain_text("PHX-1")

    for path in (f"/assets/{phoenix_asset.pk}/", f"/reviews/{review.pk}/"):
        browse.goto(path, status=404)
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.locator("main")).not_to_contain_text("Phoenix")
    browse.check_accessibility("not found")
    browse.screenshot("outsider_404")

"""Several registry files uploaded at once in a real browser, imported by a real worker, one of them bad: the page
answers at once and stays usable while the progress moves, then shows one result line per file, the bad one refused
with its reason, and takes the next import."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from assets.models import Study
from tests.e2e.support import Session
from tests.fixtures import REGISTRY
from tests.workers import running_worker

pytestmark = pytest.mark.e2e


def test_a_batch_with_a_bad_file_gives_one_line_per_file_and_the_page_stays_usable(browse: Session, world, tmp_path):
    record = json.loads((REGISTRY / "NCT00973089.json").read_text())
    record["protocolSection"]["identificationModule"]["briefTitle"] = "CAR-T\u0000"
    bad = tmp_path / "bad-record.json"
    bad.write_text(json.dumps(record))
    page = browse.page
    browse.login("member")
    browse.goto("/studies/import/")
    with running_worker(queues="default", import_pause=1):  # a second per file: long enough to use the page meanwhile
        upload = page.get_by_role("region", name="Upload record files")
        upload.get_by_label("Registry files").set_input_files(
            [REGISTRY / "NCT00973089.json", bad, REGISTRY / "ctgov_search.json"]
        )
        upload.get_by_role("button", name="Import").click()
        # The request answered before the import was done: the progress shows, and the page takes input meanwhile.
        expect(page.get_by_text("of 3", exact=False).first).to_be_visible()
        expect(page.locator(".import-job progress")).to_be_visible()
        fetch = page.get_by_role("region", name="Fetch from ClinicalTrials.gov")
        fetch.get_by_label("NCT id").fill("NCT03090659")
        expect(fetch.get_by_label("NCT id")).to_have_value("NCT03090659")
        done = page.locator('.import-job[data-import-job="done"]')
        expect(done).to_be_visible(timeout=60_000)
    lines = page.get_by_role("list", name="Each file").get_by_role("listitem")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_have_text("NCT00973089.json: 1 created")
    expect(lines.nth(1)).to_contain_text(
        "bad-record.json: refused at $.protocolSection.identificationModule.briefTitle"
    )
    expect(lines.nth(1)).to_contain_text("NUL character")
    expect(lines.nth(2)).to_have_text("ctgov_search.json: 3 created")
    assert sorted(Study.objects.values_list("nct_id", flat=True)) == [
        "NCT00973089",
        "NCT03090659",
        "NCT09990001",
        "NCT09990002",
    ]
    browse.check_accessibility("registry batch result")

    # The page is still usable: the same form imports again, and says nothing changed.
    with running_worker(queues="default"):
        upload = page.get_by_role("region", name="Upload record files")
        upload.get_by_label("Registry files").set_input_files(REGISTRY / "NCT00973089.json")
        upload.get_by_role("button", name="Import").click()
        lines = page.get_by_role("list", name="Each file").get_by_role("listitem")
        expect(lines.nth(0)).to_have_text("NCT00973089.json: 1 unchanged", timeout=60_000)  # the new job's line
    expect(lines).to_have_count(1)
    expect(page.locator('.import-job[data-import-job="done"]')).to_be_visible()

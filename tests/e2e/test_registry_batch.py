"""Several registry files uploaded at once in a real browser, previewed and then imported by a real worker, one of
them bad: the page answers at once and stays usable while the preview is prepared, the preview names the bad file,
the confirmed import's progress moves file by file, then shows one result line per file, the bad one refused with
its reason, and the next import of the same record has nothing to confirm."""

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
        upload.get_by_role("button", name="Upload and preview").click()
        # The request answered before the preview was ready, and the page takes input meanwhile.
        expect(page.get_by_text("Preparing the preview", exact=False).first).to_be_visible()
        fetch = page.get_by_role("region", name="Fetch from ClinicalTrials.gov")
        fetch.get_by_label("NCT id").fill("NCT03090659")
        expect(fetch.get_by_label("NCT id")).to_have_value("NCT03090659")
        preview = page.get_by_role("region", name="Preview: nothing is written until you confirm")
        expect(preview).to_contain_text("4 created, 0 updated, 0 unchanged; 1 file failed.", timeout=60_000)
        expect(preview.locator('[data-preview-file="refused"]')).to_contain_text("bad-record.json")
        assert not Study.objects.exists()
        preview.get_by_role("button", name="Confirm and import").click()
        # Confirmed: the job's own page shows the import's progress, file by file.
        expect(page.get_by_text("of 3", exact=False).first).to_be_visible()
        expect(page.locator(".import-job progress")).to_be_visible()
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

    # The import page takes the next import: the same record again changes nothing, so there is nothing to confirm.
    browse.goto("/studies/import/")
    with running_worker(queues="default"):
        upload = page.get_by_role("region", name="Upload record files")
        upload.get_by_label("Registry files").set_input_files(REGISTRY / "NCT00973089.json")
        upload.get_by_role("button", name="Upload and preview").click()
        lines = page.get_by_role("list", name="Each file").get_by_role("listitem")
        expect(lines.nth(0)).to_have_text("NCT00973089.json: 1 unchanged", timeout=60_000)  # the new job's line
    expect(lines).to_have_count(1)
    expect(page.locator('.import-job[data-import-job="done"]')).to_be_visible()

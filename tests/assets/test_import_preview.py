"""A registry import is previewed before it writes: a dry run of the job shows what it would create or change, the
findings it would raise (with citations) and its warnings; a member confirms or cancels; unconfirmed previews
expire. The worker's service runs in this process here (tests/assets/test_import_worker.py runs a real worker)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.jobs import services as jobs
from assets.models import Hospital, ImportJob, Study, StudySite
from assets.registry import registry_import
from assets.registry.warnings import condition_matches, text_key
from diligence.models import Finding
from tests.assets.jobs import run_job
from tests.assets.test_registry_import import registry_file
from tests.factories import AssetFactory
from tests.fixtures import REGISTRY

pytestmark = pytest.mark.django_db


def ct053(team):
    """An asset shaped like the demo's CT053: a BCMA CAR-T for multiple myeloma."""
    return AssetFactory(
        team=team,
        code="CT053",
        name="CT053 (zevor-cel)",
        inn_name="zevorcabtagene autoleucel",
        target="BCMA",
        indications="Relapsed/refractory multiple myeloma",
    )


def previewed(world, *names: str, asset=None, raw: dict[str, bytes] | None = None) -> ImportJob:
    """A registry job of these fixture files (or raw bytes by name), run to its preview."""
    uploads = [SimpleUploadedFile(name, (raw or {}).get(name) or (REGISTRY / name).read_bytes()) for name in names]
    job = jobs.import_job_create(
        team=world.phoenix, kind=ImportJob.Kind.REGISTRY, user=world.member, uploads=uploads, asset=asset
    )
    return run_job(job)


def preview_of(job: ImportJob) -> dict:
    assert job.preview is not None, job.status
    return job.preview


def study_of(job: ImportJob, registry_id: str) -> dict:
    return next(s for line in preview_of(job)["files"] for s in line["studies"] if s["registry_id"] == registry_id)


def rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Study, StudySite, Hospital, Finding))


def test_a_new_study_is_previewed_with_the_findings_it_would_raise_and_nothing_is_written(world):
    asset = AssetFactory(team=world.phoenix, code="LUM-7", name="Lumen")
    before = rows()

    job = previewed(world, "NCT03204344.xml", asset=asset)

    assert job.status == "awaiting" and job.previewed_at is not None and job.results == []
    assert rows() == before  # the study, its site, the new hospital, the findings: all rolled back
    study = study_of(job, "NCT03204344")
    assert study["status"] == "created" and study["url"] == ""  # no page for a row that does not exist
    assert study["asset"] == {"code": "LUM-7", "name": "Lumen", "url": asset.get_absolute_url()}
    appearing = [f for f in preview_of(job)["findings"] if f["change"] == "appears"]
    assert appearing and all(f["asset_code"] == "LUM-7" and f["citation"] and f["title"] for f in appearing)
    evidence = next(f for f in appearing if f["rule_id"] == "iit-grade-evidence")  # the IIT is its only study
    assert (evidence["severity"], evidence["kind"], evidence["citation"]) == ("medium", "breach", "CFR-312.120")
    severities = [f["severity"] for f in preview_of(job)["findings"]]
    assert severities == sorted(severities, key=["high", "medium", "info"].index)  # high first
    assert preview_of(job)["summary"] == "1 created, 0 updated, 0 unchanged; 0 files failed."
    assert all(default_storage.exists(upload["path"]) for upload in job.uploads)  # kept for the import


def test_an_update_is_previewed_with_each_field_before_and_after_and_the_sites_it_adds(world):
    raw = (REGISTRY / "ctgov_search.json").read_bytes()
    registry_import(team=world.phoenix, files=[registry_file("ctgov_search.json")], user=world.member)
    document = json.loads(raw)
    legend2 = document["studies"][0]["protocolSection"]
    legend2["statusModule"]["overallStatus"] = "COMPLETED"
    legend2["contactsLocationsModule"]["locations"].append(
        {"facility": "Ruijin Hospital", "city": "Shanghai", "country": "China"}
    )
    sites_before = StudySite.objects.filter(study__nct_id="NCT03090659").count()

    job = previewed(world, "later.json", raw={"later.json": json.dumps(document).encode()})

    study = study_of(job, "NCT03090659")
    assert study["status"] == "updated" and study["url"]  # a study already there has its page
    assert {"label": "Status", "old": "Active, not recruiting", "new": "Completed"} in study["changes"]
    assert study["sites"]["added"] == 1 and study["sites"]["added_names"] == ["Ruijin Hospital (Shanghai)"]
    assert [s["status"] for s in preview_of(job)["files"][0]["studies"]] == ["updated", "unchanged", "unchanged"]
    assert Study.objects.get(nct_id="NCT03090659").status == "active_not_recruiting"  # not written
    assert StudySite.objects.filter(study__nct_id="NCT03090659").count() == sites_before


def test_an_unrelated_withdrawn_record_onto_ct053_is_warned_about(world):
    asset = ct053(world.phoenix)

    job = previewed(world, "NCT00973089.json", asset=asset)

    kinds = [warning["kind"] for warning in preview_of(job)["warnings"]]
    assert kinds == ["condition-mismatch", "intervention-mismatch", "status"]
    said = {warning["kind"]: warning["message"] for warning in preview_of(job)["warnings"]}
    assert said["condition-mismatch"] == (
        "None of the record's conditions (Caries, Dental) matches CT053's indication "
        "(Relapsed/refractory multiple myeloma)."
    )
    assert "Incomplete caries removal in primary teeth" in said["intervention-mismatch"]
    assert "names CT053, zevor-cel, zevorcabtagene autoleucel or its target BCMA." in said["intervention-mismatch"]
    assert (
        said["status"]
        == "The registry lists NCT00973089 as withdrawn: it stopped before enrolling its first participant."
    )
    assert all(
        w["registry_id"] == "NCT00973089" and w["file"] == "NCT00973089.json" for w in preview_of(job)["warnings"]
    )


def test_findings_a_mismatched_record_would_clear_are_warned_about_first(world):
    asset = ct053(world.phoenix)
    registry_import(team=world.phoenix, files=[registry_file("NCT03204344.xml")], user=None, asset=asset)

    job = previewed(world, "NCT00973089.json", asset=asset)

    preview = preview_of(job)
    cleared = [f for f in preview["findings"] if f["change"] == "disappears"]
    assert cleared, preview["findings"]  # the other trial's facts would clear some of CT053's findings
    first = preview["warnings"][0]
    assert first["kind"] == "clears-on-mismatch" and first["registry_id"] == "NCT00973089"
    count = sum(f["count"] for f in cleared)
    assert first["message"].startswith(f"{count} finding{'s' if count != 1 else ''} of CT053 would be cleared (")
    assert all(f["title"] in first["message"] for f in cleared)
    page = render_to_string("assets/import_preview.html", {"preview": preview, "job": job})
    assert page.index("would be cleared (") < page.index("None of the record&#x27;s conditions")


def test_a_matching_record_raises_no_mismatch_and_another_product_only_the_intervention_one(world):
    lcar = AssetFactory(team=world.phoenix, code="LCAR-B38M", name="LCAR-B38M (cilta-cel)", target="BCMA")
    job = previewed(world, "api/NCT03090659.json", asset=lcar)
    assert preview_of(job)["warnings"] == []  # "LCAR-B38M CAR-T cells" for "Multiple Myeloma"

    # A GPRC5D CAR-T for myeloma onto CT053: the disease matches, the product does not.
    chictr = previewed(world, "chictr_ictrp.xml", asset=ct053(world.phoenix))
    first = study_of(chictr, "ChiCTR2400099901")
    assert [w["kind"] for w in first["warnings"]] == ["intervention-mismatch"]
    second = study_of(chictr, "ChiCTR2300099902")  # low-dose IL-2 for B-cell lymphoma: neither matches
    assert [w["kind"] for w in second["warnings"]] == ["condition-mismatch", "intervention-mismatch"]


def test_a_study_attached_to_another_asset_is_warned_about(world):
    lcar = AssetFactory(team=world.phoenix, code="LCAR-B38M", name="LCAR-B38M (cilta-cel)")
    registry_import(team=world.phoenix, files=[registry_file("ctgov_search.json")], user=None, asset=lcar)

    job = previewed(world, "ctgov_search.json", asset=ct053(world.phoenix))

    moved = [w for w in preview_of(job)["warnings"] if w["kind"] == "other-asset"]
    assert len(moved) == 3 and preview_of(job)["warnings"][: len(moved)] == moved  # said first
    assert moved[0]["message"] == (
        "NCT03090659 is attached to LCAR-B38M (LCAR-B38M (cilta-cel)) now; "
        "the import moves it to CT053 (CT053 (zevor-cel))."
    )
    assert study_of(job, "NCT03090659")["asset_before"]["code"] == "LCAR-B38M"
    assert set(Study.objects.values_list("asset__code", flat=True)) == {"LCAR-B38M"}


def test_conditions_match_whatever_their_case_punctuation_width_or_word_order():
    assert condition_matches("Myeloma, Multiple", "Relapsed/refractory multiple myeloma")
    assert condition_matches("ＭＵＬＴＩＰＬＥ　ＭＹＥＬＯＭＡ", "multiple myeloma")  # full-width forms
    assert condition_matches("复发难治性多发性骨髓瘤", "多发性骨髓瘤")
    assert not condition_matches("B-cell lymphoma", "Relapsed/refractory multiple myeloma")
    assert not condition_matches("Caries, Dental", "multiple myeloma")
    assert text_key("CAR\u2011T（BCMA）") == text_key("car t (bcma)")


def test_a_job_that_would_write_nothing_ends_at_its_preview(world):
    registry_import(team=world.phoenix, files=[registry_file("NCT00973089.json")], user=None)

    job = previewed(world, "NCT00973089.json", "broken.xml")

    assert job.status == "done" and job.files_done == 2 and job.finished_at is not None
    assert [line["summary"] for line in job.results] == [
        "1 unchanged",
        job.results[1]["summary"],
    ] and job.results[1]["ok"] is False
    assert not any(default_storage.exists(upload["path"]) for upload in job.uploads)


def test_confirm_and_cancel_through_the_pages_with_the_access_policy(world, client_as):
    job = previewed(world, "NCT03204344.xml", asset=AssetFactory(team=world.phoenix))
    confirm = reverse("assets:import_job_confirm_edit", args=[job.pk])
    cancel = reverse("assets:import_job_cancel_edit", args=[job.pk])
    for role in ("outsider", "partner"):  # another team; a partner reads the facts but imports nothing
        assert client_as(role).post(confirm).status_code == 404
        assert client_as(role).post(cancel).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == "awaiting"

    lead = client_as("lead")  # not who started it: any member or lead of the team may confirm
    with TestCase.captureOnCommitCallbacks() as sent:
        confirmed = lead.post(confirm)
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("assets:import_job_status", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.confirmed_by, len(sent)) == ("queued", world.lead, 1)  # the import, once committed

    again = client_as("member").post(confirm)
    assert again.status_code == 409
    assert "This import cannot be confirmed: it was confirmed already. Nothing was changed." in again.content.decode()
    refused = client_as("member").post(cancel)
    assert refused.status_code == 409 and "cannot be cancelled" in refused.content.decode()
    done = run_job(job)
    assert job.asset is not None
    assert done.status == "done" and done.results[0]["studies"][0]["asset"]["code"] == job.asset.code
    assert Study.objects.filter(nct_id="NCT03204344", asset=job.asset).exists()


def test_cancel_ends_the_job_deletes_its_uploads_and_nothing_is_imported(world, client_as):
    job = previewed(world, "NCT03204344.xml")
    member = client_as("member")

    with TestCase.captureOnCommitCallbacks(execute=True):
        cancelled = member.post(reverse("assets:import_job_cancel_edit", args=[job.pk]))

    assert cancelled.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.cancelled_by) == ("cancelled", world.member)
    assert not any(default_storage.exists(upload["path"]) for upload in job.uploads)
    page = member.get(reverse("assets:import_job_status", args=[job.pk])).content.decode()
    assert "Cancelled" in page and "Nothing was imported" in page and "Confirm and import" not in page
    assert member.post(reverse("assets:import_job_confirm_edit", args=[job.pk])).status_code == 409
    assert jobs.import_job_run(job_id=job.pk) is False and not Study.objects.exists()


def test_the_preview_page_says_warnings_then_findings_then_the_studies_and_offers_confirm(world, client_as, settings):
    job = previewed(world, "NCT00973089.json", asset=ct053(world.phoenix))

    response = client_as("member").get(reverse("assets:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 286  # waiting for a person: the polling stops
    assert "hx-trigger" not in html and "Awaiting confirmation" in html
    assert job.previewed_at is not None
    expires = timezone.localtime(job.previewed_at + dt.timedelta(days=settings.DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS))
    assert f"it is kept until {expires:%Y-%m-%d %H:%M}, then it expires" in html
    positions = [
        html.index(marker) for marker in ('data-preview="warnings"', 'data-preview="findings"', "data-preview-study")
    ]
    assert positions == sorted(positions)
    assert "matches CT053&#x27;s indication" in html and "withdrawn" in html
    appears = html.split('data-finding-change="appears"')
    assert len(appears) > 1 and all(preview_of(job)["findings"][0]["citation"] in html for _ in appears[:1])
    assert html.count('<form method="post"') == 2 and "Confirm and import" in html and "csrfmiddlewaretoken" in html


def test_the_preview_page_runs_the_same_queries_for_1_and_many_studies(world, client_as):
    client = client_as("member")
    counts = []
    for size in (1, 40):
        job = previewed(world, "ctgov_search.json", asset=ct053(world.phoenix) if size == 1 else None)
        preview = dict(preview_of(job))
        study = preview["files"][0]["studies"][0]
        preview["files"] = [{**preview["files"][0], "studies": [study] * size}]
        preview["warnings"] = preview["warnings"] * size
        preview["findings"] = (preview["findings"] or [{}])[:1] * size
        ImportJob.objects.filter(pk=job.pk).update(preview=preview)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("assets:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == 286 and response.content.decode().count("data-preview-study=") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_unconfirmed_previews_expire_with_their_uploads_and_a_waiting_job_is_not_stuck(world, settings):
    settings.DILIGENCE_IMPORT_PREVIEW_EXPIRY_DAYS = 7
    old = previewed(world, "NCT03204344.xml")
    fresh = previewed(world, "NCT03204344.xml")
    ImportJob.objects.filter(pk=old.pk).update(previewed_at=timezone.now() - dt.timedelta(days=7, minutes=1))

    assert jobs.import_job_sweep(stuck_after=0) == []  # waiting for a person is not being stuck
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert jobs.import_previews_expire() == [old.pk]

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("expired", "awaiting")
    assert not any(default_storage.exists(upload["path"]) for upload in old.uploads)
    assert all(default_storage.exists(upload["path"]) for upload in fresh.uploads)
    with pytest.raises(jobs.ImportJobConflict, match="its preview expired"):
        jobs.import_job_confirm(job=old, user=world.member)


def test_the_command_dry_run_prints_the_preview_and_writes_nothing(world):
    ct053(world.phoenix)
    before = rows()
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_ctgov", str(REGISTRY / "NCT00973089.json"), "--team", "phoenix", "--asset", "CT053", "--dry-run",
        stdout=out, stderr=err,
    )  # fmt: skip

    printed = out.getvalue().splitlines()
    assert rows() == before
    assert printed[0] == "Dry run: nothing was written."
    assert printed[1] == "Warnings (3):" and "matches CT053's indication" in printed[2]
    assert any(line.startswith("Findings that would change (") for line in printed)
    assert any(" appears: " in line and "on CT053" in line and "[" in line for line in printed)
    assert any("NCT00973089.json: NCT00973089 created on CT053 (CT053 (zevor-cel)): " in line for line in printed)
    assert printed[-1] == "If imported: 1 created, 0 updated, 0 unchanged; 0 files failed."

    as_json = io.StringIO()
    call_command("import_ctgov", str(REGISTRY / "NCT00973089.json"), "--team", "phoenix", "--dry-run", "--json",
                 stdout=as_json)  # fmt: skip
    preview = json.loads(as_json.getvalue())
    assert preview["files"][0]["studies"][0]["status"] == "created" and rows() == before

    with pytest.raises(CommandError, match="1 of 1 files would fail; nothing was written."):
        call_command(
            "import_ctgov", str(REGISTRY / "broken.xml"), "--team", "phoenix", "--dry-run", stdout=io.StringIO()
        )


def test_a_finding_on_many_subjects_is_one_entry_with_its_count(world):
    job = previewed(world, "api/NCT03090659.json", asset=ct053(world.phoenix))

    ethics = [f for f in preview_of(job)["findings"] if f["rule_id"] == "ethics-coverage"]
    # LEGEND-2's four sites, none with an ethics approval on file: one open item each, said once.
    assert [(f["change"], f["count"], f["citation"]) for f in ethics] == [("appears", 4, "CFR-312.120")]
    assert len({(f["rule_id"], f["change"], f["asset_code"]) for f in preview_of(job)["findings"]}) == len(
        preview_of(job)["findings"]
    )


def test_an_update_adding_many_sites_names_the_first_twenty_and_counts_the_rest(world):
    registry_import(team=world.phoenix, files=[registry_file("ctgov_search.json")], user=world.member)
    document = json.loads((REGISTRY / "ctgov_search.json").read_bytes())
    locations = document["studies"][0]["protocolSection"]["contactsLocationsModule"]["locations"]
    locations += [{"facility": f"County Hospital No. {n}", "city": "Shanghai", "country": "China"} for n in range(25)]

    job = previewed(world, "later.json", raw={"later.json": json.dumps(document).encode()})

    sites = study_of(job, "NCT03090659")["sites"]
    assert (sites["added"], len(sites["added_names"]), sites["added_more"]) == (25, 20, 5)
    html = f"{sites['added_names'][-1]} and 5 more"
    page = render_to_string("assets/import_preview.html", {"preview": preview_of(job), "job": job})
    assert html in page

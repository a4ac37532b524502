"""Registry import in the browser: several files at once become a job whose status polls until each file has its
result line; htmx, and the team barrier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assets.models import ImportJob, Study
from tests.assets.jobs import run_and_poll, started_job
from tests.factories import AssetFactory, MembershipFactory
from tests.fixtures import REGISTRY as FIXTURES

pytestmark = pytest.mark.django_db

URL = reverse("assets:registry_import")


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="application/octet-stream")


def test_the_page_offers_only_teams_the_user_may_edit_and_loads_the_progress_script(world, client_as):
    MembershipFactory(team=world.atlas, user=world.partner, role="partner")
    page = client_as("member").get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{world.phoenix.pk}">Phoenix</option>' in html and "Atlas" not in html
    assert "js/registry_upload.js" in html and "data-upload-progress" in html
    assert 'hx-encoding="multipart/form-data"' in html

    partner = client_as("partner").get(URL)
    assert partner.status_code == 200 and "not a member or lead of any deal team" in partner.content.decode()
    assert '<form method="post" action="/studies' not in partner.content.decode()


def test_several_files_upload_to_a_job_whose_status_ends_in_one_line_per_file(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    files = [
        upload(FIXTURES / "ctgov_search.json"),
        upload(FIXTURES / "chictr_ictrp.xml"),
        upload(FIXTURES / "NCT03204344.xml"),
        upload(FIXTURES / "broken.xml"),
    ]
    client = client_as("member")

    response = client.post(URL, {"team": world.phoenix.pk, "asset": asset.pk, "files": files})

    assert response.status_code == 200
    queued = response.content.decode()
    assert "Preparing the preview" in queued and "4 files being tried" in queued and 'hx-trigger="every 1s"' in queued
    assert not Study.objects.exists()  # nothing is imported inside the request
    job = started_job(response)
    assert (job.status, job.files_total, job.requested_by, job.asset) == ("queued", 4, world.member, asset)
    html = run_and_poll(client, response)
    lines = html.split("<li data-file-result=")[1:]
    assert len(lines) == 4 and "refused" in lines[3] and "broken.xml" in lines[3]
    assert "6 created, 0 updated, 0 unchanged; 1 file failed." in html
    assert "broken.xml" in html and "line 12, column 9" in html and "mismatched tag" in html
    assert html.count('<span class="badge green">created</span>') == 6
    assert Study.objects.filter(team=world.phoenix, asset=asset).count() == 6
    legend2 = Study.objects.get(nct_id="NCT03090659")
    assert f'href="{legend2.get_absolute_url()}"' in html
    assert legend2.history.get().history_user == world.member
    job.refresh_from_db()
    assert (job.status, job.files_done, job.uploads) == ("done", 4, job.uploads)
    assert not any(default_storage.exists(stored["path"]) for stored in job.uploads)  # deleted once done


def test_an_htmx_upload_gets_the_panel_back_with_changed_fields(world, client_as):
    client = client_as("lead")
    first = client.post(URL, {"team": world.phoenix.pk, "files": [upload(FIXTURES / "ctgov_search.json")]})
    run_and_poll(client, first)
    document = json.loads((FIXTURES / "ctgov_search.json").read_text(encoding="utf-8"))
    document["studies"][2]["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    changed = SimpleUploadedFile("search-later.json", json.dumps(document).encode())

    response = client.post(URL, {"team": world.phoenix.pk, "files": [changed]}, HTTP_HX_REQUEST="true")

    panel = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert panel.lstrip().startswith('<div id="registry-panel">') and "<html" not in panel
    html = run_and_poll(client, response)
    assert html.lstrip().startswith('<div class="import-job"') and "<html" not in html
    assert "0 created, 1 updated, 2 unchanged; 0 files failed." in html
    assert "Status: <del>Recruiting</del> → <ins>Active, not recruiting</ins>" in html  # what it was, what it is
    assert "Raw record: <del>the record as imported before</del>" in html
    assert html.count("skipped: unchanged") == 2


def test_an_htmx_form_error_is_swapped_in_with_200(world, client_as):
    response = client_as("member").post(URL, {"team": world.phoenix.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    plain = client_as("member").post(URL, {"team": world.phoenix.pk})
    assert plain.status_code == 400


def test_an_outsider_cannot_import_into_another_team_nor_see_what_was_imported(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    member = client_as("member")
    started = member.post(
        URL, {"team": world.phoenix.pk, "asset": asset.pk, "files": [upload(FIXTURES / "ctgov_sparse.json")]}
    )
    run_and_poll(member, started)
    job_url = reverse("assets:import_job_status", args=[started_job(started).pk])
    assert client_as("outsider").get(job_url).status_code == 404
    assert client_as("partner").get(job_url).status_code == 404  # reads the team's facts, imports nothing
    assert client_as("lead").get(job_url).status_code == 200

    refused = client_as("outsider").post(
        URL, {"team": world.phoenix.pk, "files": [upload(FIXTURES / "chictr_ictrp.xml")]}
    )
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    sneaky = client_as("outsider").post(
        URL, {"team": world.atlas.pk, "asset": asset.pk, "files": [upload(FIXTURES / "chictr_ictrp.xml")]}
    )
    assert sneaky.status_code == 400 and "Select a valid choice" in sneaky.content.decode()
    assert not Study.objects.filter(chictr_id__startswith="ChiCTR").exists()
    assert ImportJob.objects.count() == 1
    assert client_as("outsider").get(reverse("assets:asset_detail", args=[asset.pk])).status_code == 404


def test_an_asset_of_the_other_team_is_refused_for_someone_on_both(world, client_as):
    MembershipFactory(team=world.atlas, user=world.member)
    atlas_asset = AssetFactory(team=world.atlas)

    response = client_as("member").post(
        URL, {"team": world.phoenix.pk, "asset": atlas_asset.pk, "files": [upload(FIXTURES / "ctgov_sparse.json")]}
    )

    assert response.status_code == 400 and "This asset belongs to another team." in response.content.decode()
    assert not Study.objects.exists() and not ImportJob.objects.exists()


def test_a_file_over_the_limit_fails_alone(world, client_as, settings):
    settings.DILIGENCE_MAX_REGISTRY_UPLOAD_BYTES = 4_000
    files = [upload(FIXTURES / "ctgov_search.json"), upload(FIXTURES / "ctgov_sparse.json")]

    client = client_as("member")
    response = client.post(URL, {"team": world.phoenix.pk, "files": files})

    html = run_and_poll(client, response)
    assert "1 created, 0 updated, 0 unchanged; 1 file failed." in html and "over the" in html
    assert "Done, with refusals" in html and "1 of 2 files imported, 1 refused" in html
    assert list(Study.objects.values_list("nct_id", flat=True)) == ["NCT09990003"]


def test_a_job_whose_every_file_is_refused_says_nothing_was_imported(world, client_as):
    client = client_as("member")
    response = client.post(URL, {"team": world.phoenix.pk, "files": [upload(FIXTURES / "notes.txt")]})

    html = run_and_poll(client, response)
    assert "Nothing was imported" in html and "the file was refused" in html and "neither JSON nor XML" in html
    assert "badge green" not in html and not Study.objects.exists()

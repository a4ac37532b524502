from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assets.models import Asset, Hospital
from tests.assets.jobs import run_and_poll
from tests.factories import StudySiteFactory

pytestmark = pytest.mark.django_db


def test_download_is_an_attachment_with_the_whole_asset(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix, hospital__name_zh="西安交通大学第二附属医院")
    asset = site.study.asset
    assert asset is not None
    response = client_as("partner").get(reverse("assets:dossier_download", args=[asset.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{asset.code}-dossier.json"'
    document = json.loads(response.content)
    assert document["asset"]["code"] == asset.code
    assert document["studies"][0]["sites"][0]["hospital"]["name_zh"] == "西安交通大学第二附属医院"
    assert client_as("outsider").get(reverse("assets:dossier_download", args=[asset.pk])).status_code == 404


def test_upload_round_trip_into_another_team(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    exported = client_as("member").get(reverse("assets:dossier_download", args=[site.study.asset_id])).content
    upload = SimpleUploadedFile("dossier.json", exported, content_type="application/json")
    outsider = client_as("outsider")
    response = outsider.post(reverse("assets:dossier_upload"), {"team": world.atlas.pk, "file": upload})
    assert response.status_code == 200 and "1 file waiting for a worker" in response.content.decode()
    html = run_and_poll(outsider, response)
    assert site.study.asset is not None
    copy = Asset.objects.get(team=world.atlas, code=site.study.asset.code)
    assert f"Created asset {copy.code} in team atlas" in html and f'href="{copy.get_absolute_url()}"' in html
    assert Hospital.objects.count() == 1  # matched by name and city, not duplicated


def test_a_bad_dossier_writes_nothing_and_names_each_problem(world, client_as):
    bad = {
        "format": "iit-diligence-dossier",
        "version": 1,
        "companies": [],
        "asset": {"code": "BAD-1", "name": "Bad", "modality": "car_t"},
        "studies": [{"title": "T", "nct_id": "NCT123"}],
    }
    upload = SimpleUploadedFile("bad.json", json.dumps(bad).encode())
    client = client_as("member")
    response = client.post(reverse("assets:dossier_upload"), {"team": world.phoenix.pk, "file": upload})
    html = run_and_poll(client, response)
    assert "bad.json" in html and "refused: " in html and "nothing from it was written" in html
    assert "$.studies[0].nct_id" in html
    assert not Asset.objects.filter(code="BAD-1").exists()


def test_not_json_gets_a_clear_error(world, client_as):
    upload = SimpleUploadedFile("notes.json", b"\xff\xfe not json")
    client = client_as("member")
    response = client.post(reverse("assets:dossier_upload"), {"team": world.phoenix.pk, "file": upload})
    assert "not UTF-8" in run_and_poll(client, response)


def test_upload_cannot_target_a_team_the_user_is_not_on(world, client_as):
    upload = SimpleUploadedFile("d.json", b"{}")
    response = client_as("member").post(reverse("assets:dossier_upload"), {"team": world.atlas.pk, "file": upload})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()

"""Requests refused with a message a person (and htmx) can show: the reproducers of bad input in the browser.

The property test over every form and filter is tests/test_hostile_forms.py; these are the cases named in the
issue, each a plain test: ``%00`` in every filter parameter, a 10,000-character upload file name, asset codes that
would break a header, a control character in a note that broke the XLSX export, a name that outgrows its matching
key under normalisation.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assets.models import Asset, Hospital
from diligence.models import ReviewItem
from tests.hostile import multipart, row_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("route", "parameter"),
    [
        ("assets:asset_list", "q"),
        ("assets:asset_list", "team"),
        ("assets:asset_list", "modality"),
        ("assets:asset_list", "phase"),
        ("assets:asset_list", "sponsor_type"),
        ("assets:asset_list", "sort"),
        ("assets:asset_list", "page"),
        ("assets:hospital_list", "q"),
        ("assets:asset_create", "team"),
        ("diligence:review_detail", "question"),
        ("diligence:review_detail", "status"),
        ("diligence:review_detail", "mine"),
    ],
)
def test_a_nul_in_any_filter_parameter_is_a_400_naming_it(world, client_as, route, parameter):
    kwargs = {"review_id": world.facts.review.pk} if route == "diligence:review_detail" else {}
    url = reverse(route, kwargs=kwargs)
    response = client_as("member").get(f"{url}?{parameter}=a%00b")
    assert response.status_code == 400
    text = response.content.decode()
    assert f"The query parameter “{parameter}” contains a NUL character (U+0000) at position 2" in text
    assert 'role="alert"' in text and "Nothing was changed." in text
    htmx = client_as("member").get(f"{url}?{parameter}=%00", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 400 and htmx["HX-Retarget"] == "#request-errors"
    assert htmx.content.decode().strip().startswith('<div class="message message-error" role="alert">')


def test_the_same_parameters_without_a_nul_still_filter(world, client_as):
    response = client_as("member").get(reverse("assets:asset_list"), {"q": "ab", "team": "phoenix"})
    assert response.status_code == 200


def test_a_nul_in_a_form_field_writes_nothing_and_says_which(world, client_as):
    asset = world.facts.asset
    before = row_counts()
    response = client_as("member").post(
        reverse("assets:asset_edit", args=[asset.pk]),
        {"code": asset.code, "name": "Phoenix\x00", "modality": asset.modality, "version": asset.version},
    )
    assert response.status_code == 400
    assert "The form field “name” contains a NUL character" in response.content.decode()
    assert row_counts() == before


def test_a_10000_character_upload_file_name_gets_a_message_htmx_shows(world, client_as):
    body, content_type = multipart({"team": str(world.phoenix.pk)}, {"files": ("a" * 10_000 + ".json", b"{}")})
    before = row_counts()
    plain = client_as("member").post(reverse("assets:registry_import"), body, content_type=content_type)
    assert plain.status_code == 400
    assert "Give the file a shorter name" in plain.content.decode()
    htmx = client_as("member").post(
        reverse("assets:registry_import"), body, content_type=content_type, HTTP_HX_REQUEST="true"
    )
    # htmx swaps a 400 (the htmx-config in _base.html) into the page's alert region, leaving the form in place.
    assert htmx.status_code == 400
    assert htmx["HX-Retarget"] == "#request-errors"
    assert "Give the file a shorter name" in htmx.content.decode()
    assert row_counts() == before
    page = client_as("member").get(reverse("assets:registry_import")).content.decode()
    assert '<div id="request-errors" aria-live="assertive"></div>' in page


@pytest.mark.parametrize("code", ["X-1\r\nSet-Cookie: a=b", 'X"1', "X 1", "-X", "Ünï"])
def test_an_asset_code_outside_the_pattern_is_a_field_error(world, client_as, code):
    response = client_as("member").post(
        reverse("assets:asset_create"), {"team": world.phoenix.pk, "code": code, "name": "N", "modality": "car_t"}
    )
    assert response.status_code == 200
    assert "A code is letters, digits" in response.content.decode()
    assert not Asset.objects.filter(name="N").exists()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('X"1\r\n', "attachment; filename*=utf-8''X%221%0D%0A-dossier.json"),  # stored before codes had a pattern
        ("PHX-Ü", "attachment; filename*=utf-8''PHX-%C3%9C-dossier.json"),
        ("PHX-1", 'attachment; filename="PHX-1-dossier.json"'),
    ],
)
def test_downloads_name_their_file_with_djangos_rfc_6266_header(world, client_as, code, expected):
    asset = world.facts.asset
    Asset.objects.filter(pk=asset.pk).update(code=code)  # as a row written before the pattern would hold it
    dossier = client_as("member").get(reverse("assets:dossier_download", args=[asset.pk]))
    assert dossier.status_code == 200 and dossier["Content-Disposition"] == expected
    review = world.facts.review
    for route, extension in (("diligence:review_export_csv", "csv"), ("diligence:review_export_xlsx", "xlsx")):
        response = client_as("member").get(reverse(route, args=[review.pk]))
        assert response.status_code == 200
        name = f"-checklist-v{review.template_version.number}.{extension}"
        assert response["Content-Disposition"] == expected.replace("-dossier.json", name)
    memo = client_as("member").get(reverse("diligence:memo_download", args=[world.facts.memo.pk]))
    assert memo.status_code == 200
    assert memo["Content-Disposition"] == expected.replace("-dossier.json", f"-memo-v{world.facts.memo.version}.pdf")


def test_a_control_character_in_a_note_no_longer_breaks_the_xlsx_export(world, client_as):
    review = world.facts.review
    ReviewItem.objects.filter(pk=world.facts.review_item.pk).update(notes="ring\x07bell\x1b")
    response = client_as("member").get(reverse("diligence:review_export_xlsx", args=[review.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["Checklist"]
    notes = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert "ring\ufffdbell\ufffd" in notes
    csv = client_as("member").get(reverse("diligence:review_export_csv", args=[review.pk]))
    assert "ring\x07bell" in csv.content.decode()  # CSV holds any character: kept as written


def test_a_hospital_name_that_outgrows_its_matching_key_is_a_field_error(world, client_as):
    hospital = world.facts.site.hospital
    response = client_as("staff").post(  # staff curate the shared directory
        reverse("assets:hospital_edit", args=[hospital.pk]),
        {
            "name_en": "\ufdfa" * 20,  # 20 characters, 360 once NFKC-normalised
            "country": "China",
            "grade": hospital.grade,
            "version": hospital.version,
        },
    )
    assert response.status_code == 200
    assert "Once normalised for matching this is 360 characters long; at most 300." in response.content.decode()
    hospital.refresh_from_db()
    assert hospital.name_en != "\ufdfa" * 20
    assert Hospital.objects.count() == 1

"""The asset list and the findings of an asset or a team as CSV and XLSX: the rows the pages show, in their order,
through the access policy, with cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from diligence.models import Finding
from diligence.selectors.reviews import asset_findings
from diligence.services.findings import findings_recompute
from diligence.services.standing import standings_rebuild
from tests.factories import AssetFactory, StudyFactory, StudySiteFactory

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response, sheet: str) -> list[list[object]]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]


def test_the_asset_list_exports_the_filtered_rows_of_the_users_teams(world, client_as):
    AssetFactory(team=world.phoenix, code="PHX-CART", modality="car_t", target='=HYPERLINK("http://evil")')
    AssetFactory(team=world.phoenix, code="PHX-ADC", modality="adc")
    AssetFactory(team=world.atlas, code="ATL-CART", modality="car_t")
    client = client_as("member")
    rows = csv_rows(client.get(reverse("assets:asset_list_csv"), {"modality": "car_t"}))
    assert rows[0][:4] == ["code", "name", "INN", "team"]
    assert [row[0] for row in rows[1:]] == ["PHX-CART"]  # the filter honoured; atlas's asset never there
    assert rows[1][3] == "Phoenix" and rows[1][4] == "CAR-T"
    assert rows[1][5] == '\'=HYPERLINK("http://evil")'  # written as text, never a live formula
    every = csv_rows(client.get(reverse("assets:asset_list_csv"), {"sort": "-code"}))
    assert [row[0] for row in every[1:]] == ["PHX-CART", "PHX-ADC"]
    sheet = xlsx_rows(client.get(reverse("assets:asset_list_xlsx"), {"q": "adc"}), "Assets")
    assert sheet[0][0] == "code" and [row[0] for row in sheet[1:]] == ["PHX-ADC"]
    response = client.get(reverse("assets:asset_list_xlsx"))
    assert response["Content-Disposition"] == 'attachment; filename="assets.xlsx"'
    assert client_as("outsider").get(reverse("assets:asset_list_csv")).content.decode().count("PHX-") == 0


def test_the_asset_list_links_its_exports_with_the_current_filters(world, client_as):
    AssetFactory(team=world.phoenix, code="X-1", modality="adc")
    client = client_as("member")
    page = client.get(reverse("assets:asset_list"), {"modality": "adc", "q": "x"}).content.decode()
    assert f'href="{reverse("assets:asset_list_csv")}?modality=adc&amp;q=x"' in page
    assert f'href="{reverse("assets:asset_list_xlsx")}?modality=adc&amp;q=x"' in page
    nothing = client.get(reverse("assets:asset_list"), {"q": "no such asset"}).content.decode()
    assert reverse("assets:asset_list_csv") not in nothing  # nothing to export, no link


def test_the_asset_list_export_runs_the_same_queries_for_2_and_40_assets(world, client_as):
    client = client_as("member")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("assets:asset_list_xlsx")).status_code == 200
        return len(captured)

    for _ in range(2):
        StudyFactory(asset=AssetFactory(team=world.phoenix))
    small = queries()
    for _ in range(38):
        StudyFactory(asset=AssetFactory(team=world.phoenix))
    assert queries() == small


def test_an_assets_findings_export_as_its_findings_tab_lists_them(world, client_as):
    asset = world.facts.asset
    StudySiteFactory(study=world.facts.study)
    findings_recompute(asset_id=asset.pk)
    Finding.objects.filter(pk=world.facts.finding.pk).update(note="@SUM(A1:A9)", status=Finding.Status.ACKNOWLEDGED)
    standings_rebuild()  # the update sends no signal
    shown = asset_findings(asset_id=asset.pk)
    rows = csv_rows(client_as("partner").get(reverse("diligence:asset_findings_csv", args=[asset.pk])))
    assert rows[0] == [
        "severity", "question", "title", "citation", "rule", "message", "status", "note", "remedy", "subject"
    ]  # fmt: skip
    assert [(row[4], row[9]) for row in rows[1:]] == [(f.rule_id, f.subject) for f in shown]
    first = shown[0]
    assert rows[1][:4] == [first.get_severity_display(), first.get_question_display(), first.title, first.citation]
    noted = next(row for row in rows if row[7].startswith("'@"))
    assert noted[6] == "Acknowledged" and noted[7] == "'@SUM(A1:A9)"
    sheet = xlsx_rows(client_as("member").get(reverse("diligence:asset_findings_xlsx", args=[asset.pk])), "Findings")
    assert [row[4] for row in sheet[1:]] == [f.rule_id for f in shown]
    tab = client_as("member").get(reverse("diligence:asset_findings", args=[asset.pk])).content.decode()
    assert reverse("diligence:asset_findings_csv", args=[asset.pk]) in tab


def test_a_teams_findings_export_asset_by_asset(world, client_as):
    second = AssetFactory(team=world.phoenix, code="AAA-1")
    StudySiteFactory(study__asset=second)
    findings_recompute(asset_id=second.pk)
    world.facts  # noqa: B018  # PHX-1 with its findings
    rows = csv_rows(client_as("member").get(reverse("diligence:team_findings_csv", args=["phoenix"])))
    assert rows[0][:3] == ["asset", "severity", "question"]
    codes = [row[0] for row in rows[1:]]
    assert codes == sorted(codes) and set(codes) == {"AAA-1", "PHX-1"}
    phx = [row[5] for row in rows[1:] if row[0] == "PHX-1"]
    assert phx == [f.rule_id for f in asset_findings(asset_id=world.facts.asset.pk)]
    sheet = xlsx_rows(client_as("lead").get(reverse("diligence:team_findings_xlsx", args=["phoenix"])), "Findings")
    assert len(sheet) == len(rows)
    home = client_as("member").get(reverse("diligence:team_home", args=["phoenix"])).content.decode()
    assert reverse("diligence:team_findings_xlsx", args=["phoenix"]) in home


def test_outsiders_get_404_for_findings_exports(world, client_as):
    asset = world.facts.asset
    for route, arg in (
        ("diligence:asset_findings_csv", asset.pk),
        ("diligence:asset_findings_xlsx", asset.pk),
        ("diligence:team_findings_csv", "phoenix"),
        ("diligence:team_findings_xlsx", "phoenix"),
    ):
        assert client_as("outsider").get(reverse(route, args=[arg])).status_code == 404
        assert client_as("anonymous").get(reverse(route, args=[arg])).status_code == 302


def test_findings_exports_run_the_same_queries_for_few_and_many_findings(world, client_as):
    client = client_as("member")
    asset = world.facts.asset

    def queries(route: str, arg: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(route, args=[arg])).status_code == 200
        return len(captured)

    small = queries("diligence:asset_findings_csv", asset.pk), queries("diligence:team_findings_csv", "phoenix")
    for _ in range(15):
        StudySiteFactory(study=world.facts.study)
    findings_recompute(asset_id=asset.pk)
    assert Finding.objects.filter(asset=asset).count() > 15
    large = queries("diligence:asset_findings_csv", asset.pk), queries("diligence:team_findings_csv", "phoenix")
    assert large == small

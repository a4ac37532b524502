"""Dossiers out and back in: byte-identical round trips, updates in place, shared hospitals, and refusals by path."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from assets.dossier import DossierError, dossier_dumps, dossier_export, dossier_import, dossier_loads
from assets.dossier.fields import FIELDS
from assets.dossier.schema import dossier_schema, schema_problems
from assets.models import (
    Asset,
    Company,
    DealTerms,
    EfficacyClaim,
    EthicsApproval,
    EvidenceQuality,
    HGRFiling,
    Hospital,
    INDApplication,
    Milestone,
    NHCFiling,
    RegistrationPlan,
    RoyaltyTier,
    Study,
    StudySite,
)
from assets.services import fact_save, hospital_get_or_create

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "assets" / "dossier" / "example.json"
D = dt.date
XIAN = "The Second Affiliated Hospital of Xi'an Jiaotong University"
XIAN_IRB = "二附院伦理委员会"


def build_rich_asset(world) -> Asset:
    """An asset with every kind of child, partial dates, Chinese names, money, milestones and royalty tiers."""

    def add(model, **fields):
        return fact_save(instance=model(**fields), user=world.member)

    team = world.phoenix
    xian, _ = hospital_get_or_create(
        name_en=XIAN,
        city="Xi'an",
        user=world.member,
        name_zh="西安交通大学第二附属医院",
        province="Shaanxi",
        grade="grade_a_tertiary",
        grade_verified=True,
        grade_verified_on=D(2025, 11, 3),
    )
    changzheng, _ = hospital_get_or_create(
        name_en="Shanghai Changzheng Hospital", city="Shanghai", user=world.member, name_zh="上海长征医院"
    )
    asset = add(
        Asset,
        team=team,
        code="LCAR-B38M",
        name="LCAR-B38M anti-BCMA CAR-T",
        inn_name="ciltacabtagene autoleucel",
        modality="car_t",
        target="BCMA",
        indications="Relapsed/refractory multiple myeloma\nAL amyloidosis",
        originator=add(Company, team=team, name="Legend Biotech", country="China"),
        highest_phase_china="approved",
        highest_phase_us="phase_3",
        order818_scope_override=False,
        notes="Illustrative figures.",
    )
    legend2 = add(
        Study,
        team=team,
        asset=asset,
        nct_id="NCT03090659",
        acronym="LEGEND-2",
        title="LCAR-B38M cells in RRMM",
        phase="phase_1_2",
        status="active_not_recruiting",
        sponsor_type="iit_company_funded",
        sponsor_name="西安交通大学第二附属医院",
        start_date=D(2016, 3, 1),
        start_date_precision="month",
        funding_company=add(Company, team=team, name="Janssen Biotech", country="United States", kind="pharma"),
        first_patient_dosed_on=D(2016, 4, 1),
        first_patient_dosed_precision="month",
        completion_date=D(2019, 1, 1),
        completion_date_precision="year",
        planned_enrollment=100,
        actual_enrollment=74,
        countries=["China"],
        data_cutoff_on=D(2017, 10, 31),
    )
    add(EfficacyClaim, study=legend2, endpoint="ORR", value=Decimal("88"), patients=57)
    add(
        EfficacyClaim,
        study=legend2,
        endpoint="CR rate",
        value=Decimal("68.5"),
        patients=57,
        median_follow_up_months=Decimal("8"),
    )
    add(
        EvidenceQuality,
        study=legend2,
        gcp_compliant="yes",
        foreign_party_involved="yes",
        foreign_party="Janssen",
        institution_assignment="yes",
        institution_assignment_on=D(2017, 11, 15),
    )
    lead = add(StudySite, study=legend2, hospital=xian, role="lead", principal_investigator="Wang-Gang Zhang")
    other = add(StudySite, study=legend2, hospital=changzheng, activation_date=D(2016, 9, 1), enrollment=17)
    for reference, approved_on in (("2", D(2017, 5, 10)), ("1", D(2016, 2, 24))):  # saved out of date order
        add(EthicsApproval, study_site=lead, committee=XIAN_IRB, reference_number=reference, approval_date=approved_on)
    add(EthicsApproval, study_site=other, committee="Changzheng IRB", approval_date=D(2016, 8, 18))
    add(
        HGRFiling,
        study=legend2,
        kind="intl_cooperation_approval",
        submitted_on=D(2017, 12, 20),
        decided_on=D(2018, 3, 2),
        status="approved",
        covers_data=True,
    )
    add(NHCFiling, study=legend2, academic_review_on=D(2026, 5, 6), filing_number="NHC-2026-1")
    add(Study, team=team, asset=asset, chictr_id="ChiCTR-OPC-17013061", title="Long-term follow-up")
    add(INDApplication, asset=asset, authority="nmpa", pathway="thirty_working_day", submitted_on=D(2026, 1, 5))
    add(INDApplication, asset=asset, authority="fda", cleared_on=D(2018, 5, 18))
    deal = add(
        DealTerms,
        asset=asset,
        direction="in",
        counterparty="Legend Biotech",
        upfront=Decimal("350000000"),
        equity=Decimal("50000000.5"),
        signed_on=D(2017, 12, 21),
    )
    add(Milestone, deal=deal, event="First $500M annual net sales", kind="sales", amount=Decimal("100000000"))
    add(Milestone, deal=deal, event="FDA BLA approval", kind="regulatory", amount=Decimal("150000000"))
    add(Milestone, deal=deal, event="US IND clearance", kind="regulatory", amount=Decimal("25000000"))
    add(RoyaltyTier, deal=deal, annual_net_sales_from=Decimal("500000000"), rate_percent=Decimal("12.5"))
    add(RoyaltyTier, deal=deal, rate_percent=Decimal("10"))
    add(RegistrationPlan, asset=asset, target_markets=["US", "CN", "EU"], mrct_planned="yes")
    return asset


def snapshot() -> dict[str, int]:
    """Row counts of every table (history and findings included): what "nothing was written" means."""
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def is_fact_table(label: str) -> bool:
    return label.startswith("assets.") and not label.startswith("assets.Historical")


def study_index(document: dict, acronym: str) -> int:
    return next(i for i, study in enumerate(document["studies"]) if study["acronym"] == acronym)


def test_round_trip_into_an_empty_team_exports_byte_for_byte_the_same(world):
    original = dossier_dumps(dossier_export(asset=build_rich_asset(world)))

    result = dossier_import(team=world.atlas, document=json.loads(original), user=world.outsider)

    assert result.created and result.asset.team == world.atlas
    assert dossier_dumps(dossier_export(asset=result.asset)) == original
    assert (
        result.counts["studies"] == 2 and result.counts["milestones"] == 3 and result.counts["hospitals_matched"] == 2
    )
    history = Study.objects.get(team=world.atlas, nct_id="NCT03090659").history.get()
    assert history.history_user == world.outsider


def test_the_document_keeps_precision_money_and_chinese_names_and_no_database_ids(world):
    asset = build_rich_asset(world)
    document = dossier_export(asset=asset)
    text = dossier_dumps(document)

    legend2 = document["studies"][study_index(document, "LEGEND-2")]
    assert (legend2["start_date"], legend2["start_date_precision"]) == ("2016-03-01", "month")
    assert (legend2["completion_date"], legend2["completion_date_precision"]) == ("2019-01-01", "year")
    assert document["deal_terms"]["upfront"] == "350000000.00" and document["deal_terms"]["equity"] == "50000000.50"
    assert [t["rate_percent"] for t in document["deal_terms"]["royalty_tiers"]] == ["10.00", "12.50"]
    assert "西安交通大学第二附属医院" in text and text.endswith("}\n")
    assert '"id"' not in text and '"pk"' not in text and f": {asset.pk}," not in text
    assert schema_problems(document) == []


def fact_ids() -> dict[str, set[int]]:
    return {
        model._meta.label: set(model._base_manager.values_list("pk", flat=True))
        for model in apps.get_models()
        if is_fact_table(model._meta.label)
    }


def test_reimporting_the_same_document_changes_nothing_and_keeps_the_triage(world):
    from diligence.models import Finding
    from diligence.services.findings import finding_set_status

    document = dossier_export(asset=build_rich_asset(world))
    first = dossier_import(team=world.atlas, document=document, user=world.outsider)
    finding = Finding.objects.filter(asset=first.asset).order_by("pk").first()
    assert finding is not None
    finding_set_status(finding=finding, user=world.outsider, status="mitigated", note="Consent re-obtained in 2024.")
    before, ids_before = snapshot(), fact_ids()

    again = dossier_import(team=world.atlas, document=copy.deepcopy(document), user=world.outsider)

    assert not again.created and again.asset.pk == first.asset.pk
    assert again.asset.version == first.asset.version  # not saved: nothing changed
    assert snapshot() == before  # no new rows, no history entries, no findings rewritten
    assert fact_ids() == ids_before  # the same studies, sites and approvals, by id
    finding.refresh_from_db()
    assert (finding.status, finding.note) == ("mitigated", "Consent re-obtained in 2024.")
    assert "companies_created" not in again.counts and again.counts["companies_matched"] == 2
    assert dossier_dumps(dossier_export(asset=again.asset)) == dossier_dumps(document)


def test_a_changed_reimport_updates_by_natural_key_in_place_and_removes_what_is_gone(world):
    document = dossier_export(asset=build_rich_asset(world))
    first = dossier_import(team=world.atlas, document=document, user=world.outsider)
    studies = {study.acronym: study for study in first.asset.studies.all()}
    changed = copy.deepcopy(document)
    legend = changed["studies"][study_index(changed, "LEGEND-2")]
    legend["title"] = legend["title"] + " (updated)"
    changed["studies"].reverse()  # order does not matter: studies are matched by registry id
    removed = changed["studies"].pop()
    history_before = Study.history.count()

    dossier_import(team=world.atlas, document=changed, user=world.outsider)

    kept = Study.objects.get(pk=studies["LEGEND-2"].pk)
    assert kept.title.endswith("(updated)") and kept.version == studies["LEGEND-2"].version + 1
    assert not Study.objects.filter(pk=studies[removed["acronym"]].pk).exists()
    assert set(first.asset.studies.values_list("acronym", flat=True)) == {"LEGEND-2"} | (
        set(studies) - {"LEGEND-2", removed["acronym"]}
    )
    assert Study.history.count() == history_before + 2  # one change, one deletion


def test_hospitals_are_matched_across_teams_by_name_and_city_and_keep_their_directory_facts(world):
    document = dossier_export(asset=build_rich_asset(world))
    lead_site = document["studies"][study_index(document, "LEGEND-2")]["sites"][0]
    lead_site["hospital"] = {
        "name_en": "the second affiliated hospital of xi'an jiaotong  university",
        "city": " XI'AN ",
        "name_zh": "别的名字",
        "grade": "unknown",
    }
    hospitals = Hospital.objects.count()

    result = dossier_import(team=world.atlas, document=document, user=world.outsider)

    assert Hospital.objects.count() == hospitals
    assert result.counts["hospitals_matched"] == 2 and "hospitals_created" not in result.counts
    hospital = StudySite.objects.get(study__asset=result.asset, role="lead").hospital
    assert (hospital.name_en, hospital.name_zh, hospital.grade) == (
        XIAN,
        "西安交通大学第二附属医院",
        "grade_a_tertiary",
    )


def test_companies_are_matched_by_name_within_the_team_only(world):
    document = dossier_export(asset=build_rich_asset(world))
    fact_save(instance=Company(team=world.atlas, name="LEGEND BIOTECH", country="China"), user=world.outsider)

    result = dossier_import(team=world.atlas, document=document, user=world.outsider)

    assert result.asset.originator is not None and result.asset.originator.name == "LEGEND BIOTECH"
    assert sorted(Company.objects.filter(team=world.atlas).values_list("name", flat=True)) == [
        "Janssen Biotech",
        "LEGEND BIOTECH",
    ]
    assert Company.objects.filter(team=world.phoenix).count() == 2


def test_a_bad_document_is_refused_with_every_problem_at_its_path_and_nothing_is_written(world):
    asset = build_rich_asset(world)
    document = dossier_export(asset=asset)
    s = study_index(document, "LEGEND-2")
    legend2 = document["studies"][s]
    legend2["nct_id"] = "NCT123"
    legend2["sites"][1]["ethics_approvals"][0]["approval_date"] = "2026-13-01"
    legend2["hgr_filings"][0].update(submitted_on="2024-06-10", decided_on="2024-06-01")
    document["deal_terms"]["upfront"] = "-5.00"
    studies_before = set(asset.studies.values_list("pk", flat=True))
    before = snapshot()

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.phoenix, document=document, user=world.member)

    problems = {problem.path: problem.message for problem in refused.value.problems}
    assert set(problems) == {
        f"$.studies[{s}].nct_id",
        f"$.studies[{s}].sites[1].ethics_approvals[0].approval_date",
        f"$.studies[{s}].hgr_filings[0].decided_on",
        "$.deal_terms.upfront",
    }
    assert "NCT followed by 8 digits" in problems[f"$.studies[{s}].nct_id"]
    assert "YYYY-MM-DD" in problems[f"$.studies[{s}].sites[1].ethics_approvals[0].approval_date"]
    assert "on or after" in problems[f"$.studies[{s}].hgr_filings[0].decided_on"]
    assert "non-negative" in problems["$.deal_terms.upfront"]
    assert snapshot() == before
    asset.refresh_from_db()
    assert asset.version == 1 and set(asset.studies.values_list("pk", flat=True)) == studies_before


def test_a_bad_new_asset_leaves_no_trace_in_the_other_team(world):
    document = dossier_export(asset=build_rich_asset(world))
    document["deal_terms"]["royalty_tiers"][1]["rate_percent"] = "150.00"  # the pattern allows it, the model does not
    before = snapshot()

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.atlas, document=document, user=world.outsider)

    assert [p.path for p in refused.value.problems] == ["$.deal_terms.royalty_tiers[1].rate_percent"]
    assert snapshot() == before
    assert not Asset.objects.filter(team=world.atlas).exists()


def test_missing_unknown_and_mistyped_fields_are_reported_at_their_own_paths(world):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    del document["asset"]["name"]
    document["asset"]["colour"] = "blue"
    document["deal_terms"]["milestones"][0]["amount"] = 25000000.0
    document["studies"][0]["phase"] = "phase 3"
    document["studies"][0]["sites"][0]["enrollment"] = -1

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.atlas, document=document, user=None)

    problems = {problem.path: problem.message for problem in refused.value.problems}
    assert problems == {
        "$.asset.name": "is required but missing",
        "$.asset.colour": "is not a field of this object",
        "$.studies[0].phase": problems["$.studies[0].phase"],
        "$.studies[0].sites[0].enrollment": problems["$.studies[0].sites[0].enrollment"],
        "$.deal_terms.milestones[0].amount": problems["$.deal_terms.milestones[0].amount"],
    }
    assert problems["$.deal_terms.milestones[0].amount"].startswith("25000000.0 is not an amount of money")
    assert '"phase_1_2"' in problems["$.studies[0].phase"]
    assert not Asset.objects.exists()


def test_a_company_reference_must_name_a_listed_company(world):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["asset"]["originator"] = "Legend"
    document["companies"].append({"name": "legend biotech"})

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.atlas, document=document, user=None)

    assert [str(p) for p in refused.value.problems] == [
        "$.asset.originator: 'Legend' is not the name of a company listed in $.companies",
        "$.companies[1].name: 'legend biotech' is listed twice (also at $.companies[0].name)",
    ]


def test_the_same_hospital_twice_in_one_study_is_refused_not_a_server_error(world):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    sites = document["studies"][0]["sites"]
    sites[1]["hospital"] = dict(sites[0]["hospital"], name_en=sites[0]["hospital"]["name_en"].upper())

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.atlas, document=document, user=None)

    assert [p.path for p in refused.value.problems] == ["$.studies[0].sites[1]"]
    assert not Hospital.objects.exists()


def test_another_format_or_version_is_refused_before_anything_else(world):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["version"] = 2
    document["deal_terms"]["upfront"] = "-1.00"

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.atlas, document=document, user=None)

    assert [p.path for p in refused.value.problems] == ["$.version"]


def test_the_example_validates_imports_and_is_in_canonical_form(world):
    raw = EXAMPLE.read_bytes()
    document = dossier_loads(raw)
    assert schema_problems(document) == []

    result = dossier_import(team=world.phoenix, document=document, user=world.member)

    assert result.created and result.asset.code == "LCAR-B38M"
    assert Hospital.objects.get(name_zh="西安交通大学第二附属医院").city == "Xi'an"
    assert dossier_dumps(dossier_export(asset=result.asset)) == raw.decode("utf-8")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"format": "iit-diligence-dossier",\n  "version": 1,,}', "$: not valid JSON: Expecting property name"),
        ('{"asset": {"name": "caf\u00e9"}}'.encode("latin-1"), "$: not UTF-8 text: byte 0xe9 at line 1, column 24"),
        (b"[1, 2]", "$: the document must be a JSON object, not an array"),
        (b'{"version": 1, "version": 2}', "$: not valid JSON for a dossier: the key 'version' appears twice"),
        ("\ufeff" + '{"nan": NaN}', "$: not valid JSON for a dossier: NaN is not a JSON value"),
    ],
)
def test_unreadable_documents_are_refused_with_a_clear_located_message(raw, expected):
    with pytest.raises(DossierError) as refused:
        dossier_loads(raw)

    assert str(refused.value.problems[0]).startswith(expected)


def test_invalid_json_says_where():
    with pytest.raises(DossierError) as refused:
        dossier_loads('{\n  "version": 1,\n  "asset": }')

    assert str(refused.value.problems[0]) == "$: not valid JSON: Expecting value at line 3, column 12"


def test_a_utf8_byte_order_mark_and_text_input_are_accepted():
    assert dossier_loads("\ufeff{}".encode()) == {} and dossier_loads('{"a": "西安"}') == {"a": "西安"}


@pytest.mark.parametrize(
    ("definition", "model"),
    [
        ("company", Company),
        ("asset", Asset),
        ("study", Study),
        ("efficacy_claim", EfficacyClaim),
        ("evidence", EvidenceQuality),
        ("study_site", StudySite),
        ("hospital", Hospital),
        ("ethics_approval", EthicsApproval),
        ("hgr_filing", HGRFiling),
        ("nhc_filing", NHCFiling),
        ("ind_application", INDApplication),
        ("deal_terms", DealTerms),
        ("milestone", Milestone),
        ("royalty_tier", RoyaltyTier),
        ("registration_plan", RegistrationPlan),
    ],
)
def test_the_schema_matches_the_models(definition, model):
    """Enums and lengths in schema.json come from the models; a changed model must change the schema too."""
    properties = dossier_schema()["$defs"][definition]["properties"]
    assert set(FIELDS[model]) <= set(properties)
    for name in FIELDS[model]:
        field = model._meta.get_field(name)
        schema = properties[name]
        if "$ref" in schema:
            schema = dossier_schema()["$defs"][schema["$ref"].rsplit("/", 1)[1]]
        if field.choices:
            expected = {value for value, _label in field.choices} | ({""} if field.blank else set())
            assert set(schema["enum"]) == expected, name
        elif isinstance(field, models.CharField):
            assert schema["maxLength"] == field.max_length, name

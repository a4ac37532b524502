"""Registry records read and mapped: every format, real-shaped quirks, classification with its reason, and
malformed files refused with the place to look."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from assets.registry.classify import classify
from assets.registry.dates import parse_partial_date
from assets.registry.errors import RecordProblem
from assets.registry.mapping import map_phase, study_values
from assets.registry.parse import parse_registry_file
from assets.registry.records import Agency
from assets.registry.text import site_fields, split_names
from tests.fixtures import REGISTRY as FIXTURES

D = dt.date


def parse(name: str, folder: Path = FIXTURES):
    return parse_registry_file((folder / name).read_bytes())


def by_id(studies):
    return {study.registry_id: study for study in studies}


# --- ClinicalTrials.gov API v2 ------------------------------------------------------------------------------


def test_a_search_response_maps_a_chinese_iit_with_month_dates_and_chinese_site_names():
    studies = by_id(parse("ctgov_search.json"))
    assert list(studies) == ["NCT03090659", "NCT09990001", "NCT09990002"]
    legend2 = studies["NCT03090659"]
    values, flags = study_values(legend2)

    assert (
        values["title"] == "LCAR-B38M Cells in Treating Relapsed/Refractory (R/R) Multiple Myeloma"
    )  # \-, \/, \( undone
    assert values["official_title"].startswith("A Phase 1/2, Open-label, Multicenter Study of LCAR-B38M")
    assert values["acronym"] == "LEGEND-2" and values["secondary_ids"] == ["LCAR-B38M-MM-001", "XJTU2-CART-2016-01"]
    assert (values["phase"], values["phase_as_registered"]) == ("phase_1_2", "PHASE1, PHASE2")
    assert values["status"] == "active_not_recruiting"
    assert (values["start_date"], values["start_date_precision"], values["start_date_type"]) == (
        D(2016, 3, 1),
        "month",
        "actual",
    )
    assert (values["primary_completion_date"], values["primary_completion_date_type"]) == (D(2019, 1, 1), "actual")
    assert (values["completion_date"], values["completion_date_precision"], values["completion_date_type"]) == (
        D(2025, 12, 1),
        "month",
        "estimated",
    )
    assert values["planned_enrollment"] == 100 and "actual_enrollment" not in values
    assert (values["sponsor_name"], values["sponsor_class"]) == (
        "The Second Affiliated Hospital of Xi'an Jiaotong University",
        "OTHER",
    )
    assert values["collaborators"] == [{"name": "Nanjing Legend Biotech Co.", "class": "INDUSTRY"}]
    assert values["overall_officials"] == [
        {
            "name": "Wang-Gang Zhang",
            "role": "PRINCIPAL_INVESTIGATOR",
            "affiliation": "The Second Affiliated Hospital of Xi'an Jiaotong University",
        }
    ]
    assert values["conditions"] == ["Multiple Myeloma"]
    assert values["interventions"] == ["Biological: LCAR-B38M CAR-T cells"]
    assert values["countries"] == ["China"] and flags == []
    assert [(s.facility, s.city, s.state, s.investigator) for s in legend2.sites] == [
        ("The Second Affiliated Hospital of Xi'an Jiaotong University (西安交通大学第二附属医院)", "Xi'an", "Shaanxi",
         "Wang-Gang Zhang"),
        ("上海长征医院", "Shanghai", "", ""),
        ("Ruijin Hospital, Shanghai Jiao Tong University School of Medicine", "Shanghai", "", ""),
        ("Jiangsu Province Hospital", "Nanjing", "Jiangsu", "Ai-Li He"),
    ]  # fmt: skip
    assert json.loads(legend2.raw)["protocolSection"]["identificationModule"]["nctId"] == "NCT03090659"


def test_the_industry_mrct_and_the_cooperative_group_study():
    studies = by_id(parse("ctgov_search.json"))
    mrct, _ = study_values(studies["NCT09990001"])
    assert mrct["countries"] == ["United States", "China", "Japan"]
    assert (mrct["start_date"], mrct["start_date_precision"]) == (D(2020, 6, 18), "day")
    assert mrct["actual_enrollment"] == 419 and "planned_enrollment" not in mrct
    assert mrct["interventions"] == ["Biological: Anti-BCMA CAR-T cells", "Drug: Pomalidomide", "Drug: Bortezomib"]
    coop, _ = study_values(studies["NCT09990002"])
    assert (coop["completion_date"], coop["completion_date_precision"]) == (D(2029, 1, 1), "year")
    assert coop["secondary_ids"] == ["NCI-2021-00001", "U10CA180820"]


def test_a_sparse_minified_record_maps_what_it_has_and_puts_sites_back_in_their_boxes():
    (study,) = parse("ctgov_sparse.json")
    values, flags = study_values(study)
    assert (values["phase"], values["phase_as_registered"], values["status"]) == ("", "", "unknown")
    assert (values["start_date"], values["start_date_precision"], values["start_date_type"]) == (
        D(2022, 7, 1),
        "month",
        "",
    )
    assert values["completion_date"] is None and "planned_enrollment" not in values
    assert values["title"] == "Observation of Outcomes After Locally Made CD19 CAR-T Cells (illustrative record)"
    # City given as the facility (and the facility as the city), and a city repeated in the name.
    assert [(s.facility, s.city, s.state) for s in study.sites] == [
        ("Sun Yat-sen University Cancer Center", "Guangzhou", ""),
        ("The First Affiliated Hospital, Sun Yat-sen University", "Guangzhou", ""),
    ]
    assert flags == ["a location in Shenzhen has no facility"]  # counted as a country, not made a site
    assert values["countries"] == ["China"]


def test_the_real_api_v2_record_with_a_month_date_and_a_hospital_sponsor():
    (study,) = parse("NCT00973089.json")
    values, _ = study_values(study)
    assert (values["start_date"], values["start_date_precision"], values["start_date_type"]) == (
        D(2010, 5, 1),
        "month",
        "",
    )
    assert values["actual_enrollment"] == 0 and values["phase"] == "not_applicable" and values["status"] == "withdrawn"
    assert [(s.facility, s.city, s.state, s.country) for s in study.sites] == [
        ("Hadassah Medical Organization", "Jerusalem", "", "Israel")
    ]
    assert classify(lead=study.lead_sponsor, collaborators=study.collaborators).sponsor_type == "iit"


# --- ClinicalTrials.gov legacy XML and WHO ICTRP XML -------------------------------------------------------------


def test_the_real_legacy_xml_record():
    (study,) = parse("NCT03204344.xml")
    values, flags = study_values(study)
    assert values["nct_id"] == "NCT03204344" and values["secondary_ids"] == ["2017[1362]"]
    assert values["official_title"].startswith("Impact of Preoperative Oral Carbohydrate on Recovery")
    assert (values["start_date"], values["start_date_precision"], values["start_date_type"]) == (
        D(2017, 8, 1),
        "day",
        "actual",
    )
    assert (values["completion_date"], values["completion_date_precision"], values["completion_date_type"]) == (
        D(2018, 9, 1),
        "month",
        "estimated",  # "Anticipated" in the legacy format
    )
    assert values["planned_enrollment"] == 60 and values["phase"] == "not_applicable"
    assert (values["sponsor_name"], values["sponsor_class"]) == ("Dong-Xin Wang", "OTHER")  # <agency_class>Other
    assert values["overall_officials"][0]["role"] == "PRINCIPAL_INVESTIGATOR"
    assert values["interventions"] == ["Dietary Supplement: Oral carbohydrate (Outfast)", "Other: Routine fasting"]
    assert [(s.facility, s.city, s.investigator) for s in study.sites] == [
        ("Peking University First Hospital", "Beijing", "Xue Li, MD")
    ]
    assert values["countries"] == ["China"] and flags == []


def test_chictr_records_from_the_ictrp_export():
    studies = by_id(parse("chictr_ictrp.xml"))
    iit = studies["ChiCTR2400099901"]
    values, flags = study_values(iit)
    assert values["nct_id"] == "" and values["secondary_ids"] == ["NCT09990004"]
    assert (values["phase"], values["status"], values["start_date"]) == ("phase_1", "recruiting", D(2024, 4, 1))
    assert values["planned_enrollment"] == 30  # "Dose escalation:18;Dose expansion:12;"
    assert values["conditions"] == ["Multiple myeloma", "Plasma cell leukemia"]  # split on a Chinese semicolon
    assert any("sum of the groups" in flag for flag in flags)
    (site,) = iit.sites  # the hospital sponsor as the lead site, its contact there as the investigator
    assert (site.facility, site.country, site.investigator) == (
        "四川大学华西医院 West China Hospital, Sichuan University",
        "China",
        "Wei Li",
    )
    verdict = classify(lead=iit.lead_sponsor, collaborators=iit.collaborators)
    assert verdict.sponsor_type == "iit_company_funded" and verdict.funder == "Chengdu Illustrative Biotech Co., Ltd."
    assert "gives no sponsor class" in verdict.reason

    pilot = studies["ChiCTR2300099902"]
    values, flags = study_values(pilot)
    assert (values["phase"], values["phase_as_registered"]) == ("", "New Treatment Measure Clinical Study")
    assert any("phase 'New Treatment Measure Clinical Study'" in flag for flag in flags)
    assert values["official_title"] == "Low-dose IL-2 to support CAR-T persistence & reduce relapse: a pilot study"
    assert pilot.sites == [] and pilot.collaborators == []  # "Self-raised" is no funder


def test_the_portal_spelling_of_the_ictrp_export_is_read_too():
    raw = (FIXTURES / "chictr_ictrp.xml").read_text(encoding="utf-8")
    raw = raw.replace("<trials>", "<Trials_downloaded_from_ICTRP>").replace(
        "</trials>", "</Trials_downloaded_from_ICTRP>"
    )
    raw = raw.replace("<Triall>", "<Trial>").replace("</Triall>", "</Trial>")
    assert len(parse_registry_file(raw.encode())) == 2


def test_a_utf16_json_file_with_its_byte_order_mark_is_read():
    text = (FIXTURES / "ctgov_sparse.json").read_text(encoding="utf-8")
    (study,) = parse_registry_file(text.encode("utf-16"))
    assert study.nct_id == "NCT09990003"


def test_an_xml_file_in_a_chinese_encoding_is_read_in_the_encoding_it_declares():
    raw = (FIXTURES / "chictr_ictrp.xml").read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="GB18030"')
    studies = parse_registry_file(raw.encode("gb18030"))
    sponsor = studies[0].lead_sponsor
    assert sponsor is not None and sponsor.name.startswith("四川大学华西医院")


# --- classification ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead_class", "collaborators", "expected", "in_reason"),
    [
        ("OTHER", [], "iit", "class OTHER (a hospital, university or other institution)"),
        ("INDIV", [], "iit", "class INDIV (an individual investigator)"),
        ("OTHER", [Agency("Acme Bio", "INDUSTRY")], "iit_company_funded", "collaborator Acme Bio is class INDUSTRY"),
        ("INDIV", [Agency("Acme Bio", "INDUSTRY")], "iit_company_funded", "collaborator Acme Bio is class INDUSTRY"),
        ("OTHER", [Agency("Some Network", "NETWORK")], "iit", "class OTHER"),
        ("INDUSTRY", [], "industry", "class INDUSTRY (a company)"),
        ("NIH", [], "cooperative", "US National Institutes of Health"),
        ("FED", [], "cooperative", "a US federal agency"),
        ("OTHER_GOV", [], "cooperative", "a government body"),
        ("NETWORK", [], "cooperative", "a cooperative group or network"),
        ("UNKNOWN", [], "unknown", "unknown to the registry"),
        ("AMBIG", [], "unknown", "ambiguous to the registry"),
    ],
)
def test_each_sponsor_class_is_classified_with_its_reason(lead_class, collaborators, expected, in_reason):
    verdict = classify(lead=Agency("Lead Org", lead_class), collaborators=collaborators)
    assert verdict.sponsor_type == expected
    assert verdict.reason.startswith("Lead sponsor Lead Org") and in_reason in verdict.reason
    assert verdict.flags == []


def test_an_unknown_sponsor_class_is_kept_and_flagged_not_guessed():
    verdict = classify(lead=Agency("Foundation X", "FOUNDATION"), collaborators=[Agency("Y", "CHARITY")])
    assert verdict.sponsor_type == "unknown"
    assert "'FOUNDATION'" in verdict.reason
    assert len(verdict.flags) == 2 and "'CHARITY'" in verdict.flags[0] and "'FOUNDATION'" in verdict.flags[1]


def test_no_lead_sponsor_and_a_name_that_says_nothing_stay_unknown():
    assert classify(lead=None, collaborators=[]).sponsor_type == "unknown"
    assert classify(lead=Agency("Dr Wang"), collaborators=[]).sponsor_type == "unknown"
    assert classify(lead=Agency("Suzhou Example Therapeutics Co., Ltd."), collaborators=[]).sponsor_type == "industry"


def test_an_unknown_phase_is_kept_as_registered_and_flagged():
    assert map_phase(["PHASE1", "PHASE2"]) == ("phase_1_2", None)
    assert map_phase(["Phase 2/Phase 3"]) == ("phase_2_3", None)
    assert map_phase(["I期"]) == ("phase_1", None)
    phase, flag = map_phase(["PHASE5"])
    assert phase == "" and flag is not None and "'PHASE5'" in flag


# --- dates and names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-05", (D(2010, 5, 1), "month")),
        ("2010", (D(2010, 1, 1), "year")),
        ("2010-05-03", (D(2010, 5, 3), "day")),
        ("August 1, 2017", (D(2017, 8, 1), "day")),
        ("September 2018", (D(2018, 9, 1), "month")),
        ("18/03/2024", (D(2024, 3, 18), "day")),
        ("2023/11/15", (D(2023, 11, 15), "day")),
        ("20240318", (D(2024, 3, 18), "day")),
    ],
)
def test_registry_dates_keep_their_precision(text, expected):
    assert parse_partial_date(text) == expected


def test_a_date_that_is_not_one_is_refused_at_its_place():
    raw = (FIXTURES / "ctgov_sparse.json").read_text(encoding="utf-8").replace('"2022-07"', '"2022-13"')
    with pytest.raises(RecordProblem) as refused:
        parse_registry_file(raw.encode())
    assert refused.value.place == "$.protocolSection.statusModule.startDateStruct.date (line 1, column 278)"
    assert "not a real calendar date" in refused.value.message


def test_hospital_names_split_into_english_and_chinese():
    assert split_names("Ruijin Hospital (上海交通大学医学院附属瑞金医院)") == (
        "Ruijin Hospital",
        "上海交通大学医学院附属瑞金医院",
    )
    assert split_names("上海长征医院") == ("上海长征医院", "上海长征医院")
    assert site_fields("Beijing", "Peking University First Hospital") == ("Peking University First Hospital", "Beijing")


# --- malformed files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "place", "message"),
    [
        ("truncated.json", "line 44, column 35", "not valid JSON: Unterminated string"),
        ("no_nct_id.json", "$.protocolSection.identificationModule (line 3, column 29)", "the study has no NCT id"),
        ("wrong_schema.json", "$ (line 1, column 1)", "not a ClinicalTrials.gov API v2 record"),
        ("not_utf8.json", "line 34, column 21", "not UTF-8 text: byte 0xf4"),
        ("bad_location.json", "$.protocolSection.contactsLocationsModule.locations[2].facility (line 129, column 23)",
         "must be text, not int"),
        ("broken.xml", "line 12, column 9", "not well-formed XML: mismatched tag"),
        ("notes.txt", "line 1, column 1", "neither JSON nor XML"),
    ],
)  # fmt: skip
def test_malformed_files_are_refused_with_the_place_to_look(name, place, message):
    with pytest.raises(RecordProblem) as refused:
        parse(name)
    assert refused.value.place == place
    assert refused.value.message.startswith(message)


def test_xml_with_entities_is_refused_for_safety():
    bomb = b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><trials>&b;</trials>'
    with pytest.raises(RecordProblem, match="refused for safety"):
        parse_registry_file(bomb)


def test_other_xml_and_empty_files_are_refused():
    with pytest.raises(RecordProblem, match=r"not a ClinicalTrials.gov <clinical_study>") as refused:
        parse_registry_file(b"<?xml version='1.0'?>\n<html><body/></html>")
    assert refused.value.place == "<html> at line 2, column 1"
    with pytest.raises(RecordProblem, match="the file is empty"):
        parse_registry_file(b"  \n")
    with pytest.raises(RecordProblem, match="holds no studies"):
        parse_registry_file(b'{"studies": [], "nextPageToken": null}')

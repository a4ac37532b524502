"""WHO ICTRP XML in each dialect found in public sources, each read from a real record (tests/fixtures SOURCES.md):
the portal's export (flat, ``<Trials_downloaded_from_ICTRP><Trial>``) and ChiCTR's per-trial download (nested,
``<trials><Triall><main>``); and the primary outcomes and arms every parser now gives."""

from __future__ import annotations

from collections import Counter

from assets.models.common import DatePrecision
from assets.registry.mapping import study_values
from assets.registry.parse import parse_registry_file
from tests.fixtures import REGISTRY as FIXTURES


def parse(name: str):
    return parse_registry_file((FIXTURES / name).read_bytes())


def test_the_portals_export_reads_every_trial_of_every_registry():
    studies = parse("ictrp_portal_export.xml")

    assert len(studies) == 95
    registers = Counter(study.source_register for study in studies)
    assert registers["ClinicalTrials.gov"] == 47 and registers["ChiCTR"] == 1 and registers["JPRN"] == 9
    ids = {study.registry_id: study for study in studies}
    assert len(ids) == 95  # each has its own id: NCT, ChiCTR, or another registry's kept as given
    assert {ids["NCT05697861"].nct_id, ids["ChiCTR2100050713"].chictr_id} == {"NCT05697861", "ChiCTR2100050713"}
    assert ids["JPRN-jRCT2080224769"].other_id == "JPRN-jRCT2080224769"


def test_a_chictr_record_in_the_portals_dialect():
    (chictr,) = [s for s in parse("ictrp_portal_export.xml") if s.chictr_id == "ChiCTR2100050713"]

    assert chictr.brief_title.startswith("Clinical study on the relationship between serum amyloid A")
    assert chictr.lead_sponsor is not None and chictr.lead_sponsor.name == "Northern Jiangsu People's Hospital"
    assert chictr.enrollment == 100  # control group:50;sepsis group:50;
    assert (chictr.start.value.isoformat(), chictr.start.precision) == ("2021-09-20", DatePrecision.DAY)
    assert chictr.primary_outcomes == ["Apolipoprotein A1", "serum amyloid A"]
    assert chictr.arms == ["control group:No", "sepsis group:No"]
    assert chictr.officials[0].name == "Yu Jiangquan"
    assert [site.facility for site in chictr.sites] == ["Northern Jiangsu People's Hospital"]  # the sponsor hospital


def test_the_portals_text_loses_its_markup_and_its_eu_phases_are_read():
    studies = {s.registry_id: s for s in parse("ictrp_portal_export.xml")}

    jprn = studies["JPRN-jRCT2080224769"]
    assert jprn.secondary_ids == ["NCT03759379", "JapicCTI-194846"]
    assert not any("<br>" in outcome for outcome in jprn.primary_outcomes)
    assert any(outcome.startswith("-Change from Baseline in Norfolk") for outcome in jprn.primary_outcomes)
    assert studies["EUCTR2021-000037-14-ES"].phases == ["Phase III"]
    assert study_values(studies["EUCTR2021-000037-14-ES"])[0]["phase"] == "phase_3"
    assert studies["NCT03759379"].start.value.isoformat() == "2019-02-14"  # "February 14, 2019"


def test_chictrs_own_download_in_the_nested_dialect():
    (study,) = parse("ChiCTR2000034346.xml")

    assert (study.chictr_id, study.source_register) == ("ChiCTR2000034346", "ChiCTR")
    assert study.brief_title.startswith("Survey for Surgery status of a designated Hospital for COVID-19")
    assert study.lead_sponsor is not None and study.lead_sponsor.name == "Jianxing He"
    assert study.enrollment == 2418 + 821  # 2019 Y:2418;2020 Y:821;
    assert study.start.value is not None and study.start.value.isoformat() == "2020-04-10"
    assert study.phases == ["Retrospective study"]
    assert study.status == "Completed"
    assert study.conditions == ["Novel Coronavirus Pneumonia (COVID-19)"]
    assert study.primary_outcomes == ["decrease"]
    assert study.arms == ["2019 Y:N/A", "2020 Y:N/A"]
    assert study.countries == ["China"]
    assert study.secondary_ids == []  # an empty <sec_id/>
    # The scientific contact comes first: the investigator, with the hospital's name.
    assert study.officials[0].name == "Ran Zhong"
    assert "the First Affiliated Hospital, GMU" in study.officials[0].affiliation
    funders = [agency.name for agency in study.collaborators]
    assert funders == ["China National Science Foundation (81871893). Key Project of Guangzhou Scientific Research "
                       "Project (201804020030)."]  # fmt: skip


def test_the_nested_dialect_reads_with_its_record_spelt_trial():
    raw = (FIXTURES / "ChiCTR2000034346.xml").read_bytes().replace(b"Triall>", b"trial>")
    (study,) = parse_registry_file(raw)
    assert study.chictr_id == "ChiCTR2000034346" and study.primary_outcomes == ["decrease"]


def test_clinicaltrials_gov_records_give_their_primary_outcomes_and_arms():
    (legacy,) = parse("NCT03204344.xml")
    assert legacy.primary_outcomes == [
        "Recovery of gastrointestinal function [From end of surgery until the time of first flatus and defecation, "
        "assessed up to 7 days after surgery.]"
    ]
    assert [arm.split(":")[0] for arm in legacy.arms] == ["Intervention group", "Control group"]

    (json_record,) = parse("NCT00973089.json")
    assert json_record.primary_outcomes == [
        "The success of the alternative treatment of the deep carious lesion. [Half annually for three years]"
    ]
    assert json_record.arms == ["Complete caries removal: Control group", "Incomplete caries removal: Test group"]
    assert study_values(json_record)[0]["primary_outcomes"] == json_record.primary_outcomes

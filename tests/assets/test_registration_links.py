"""One trial across registries: real registrations link by secondary id on import, from either side; alike ones are
proposed; linked registrations that disagree raise a cited finding with both values side by side."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Study, StudyRegistrationLink
from assets.registry import RegistryFile, registry_import
from assets.registry.likeness import best_score, person_score, same_organisation, text_score
from assets.registry.links import id_keys, registration_links_refresh
from diligence.models import Finding
from diligence.rules import RULES
from diligence.rules.facts import load_asset_facts
from diligence.services.findings import findings_recompute
from tests.conftest import client_for
from tests.factories import AssetFactory
from tests.fixtures import REGISTRY as FIXTURES

pytestmark = pytest.mark.django_db

# HELIOS-A: ClinicalTrials.gov's record and the Japanese registration of the same trial, both real (SOURCES.md).
NCT = "ictrp_NCT03759379.xml"
JPRN = "ictrp_JPRN-jRCT2080224769.xml"
Link = StudyRegistrationLink


def registry_file(name: str) -> RegistryFile:
    data = (FIXTURES / name).read_bytes()
    return RegistryFile(name=name, size=len(data), read=lambda: data)


def imported(world, *names: str, asset=None):
    report = registry_import(
        team=world.phoenix, files=[registry_file(n) for n in names], user=world.member, asset=asset
    )
    assert report.ok, [outcome.summary() for outcome in report.files]
    return report


def helios_findings(asset) -> list[Finding]:
    return list(Finding.objects.filter(asset=asset, rule_id="registrations-disagree"))


@pytest.mark.parametrize("order", [(NCT, JPRN), (JPRN, NCT)], ids=["ctgov-first", "jprn-first"])
def test_the_real_pair_links_by_secondary_id_in_either_order(world, order):
    imported(world, order[0])
    assert not Link.objects.exists()
    imported(world, order[1])

    link = Link.objects.get()
    nct = Study.objects.get(nct_id="NCT03759379")
    jprn = Study.objects.get(other_registry_id="JPRN-jRCT2080224769")
    assert (link.first_id, link.second_id) == tuple(sorted((nct.pk, jprn.pk)))
    assert (link.status, link.basis, link.team) == ("linked", "secondary_id", world.phoenix)
    assert link.evidence == "JPRN-jRCT2080224769 lists NCT03759379 as a secondary id"
    assert link.history.count() == 1

    imported(world, *order)  # re-importing both finds the link and adds nothing
    assert Link.objects.count() == 1


def test_ids_are_compared_as_other_registries_cite_them():
    assert id_keys("JPRN-jRCT2080224769") == {"JPRNJRCT2080224769", "JRCT2080224769"}
    assert id_keys("EUCTR2018-003519-24-GB") == {"EUCTR201800351924GB", "201800351924"}
    assert id_keys(" nct03759379 ") == {"NCT03759379"}


def test_the_real_pair_disagrees_and_the_finding_shows_both_values(world):
    asset = AssetFactory(team=world.phoenix)
    imported(world, NCT, JPRN, asset=asset)

    (finding,) = helios_findings(asset)
    assert (finding.severity, finding.kind, finding.citation) == ("medium", "breach", "DQ-EVIDENCE")
    disagree = finding.facts["disagree"]
    # The Japanese record registers the Japanese part (16 of 164), its in-country caretaker and its own start.
    assert disagree["enrolment"] == {"NCT03759379": "164 (planned)", "JPRN-jRCT2080224769": "16 (planned)"}
    assert disagree["sponsor"] == {"NCT03759379": "Alnylam Pharmaceuticals", "JPRN-jRCT2080224769": "CMIC Co., Ltd."}
    assert disagree["start"] == {"NCT03759379": "2019-02-14", "JPRN-jRCT2080224769": "2019-07-31"}
    # The Japanese record also lists Norfolk QoL-DN as a primary endpoint; ClinicalTrials.gov's, mNIS+7 alone.
    outcomes = disagree["primary outcome"]
    assert "Norfolk" in outcomes["JPRN-jRCT2080224769"] and "Norfolk" not in outcomes["NCT03759379"]
    assert "enrolment 164 (planned) (NCT03759379) vs 16 (planned) (JPRN-jRCT2080224769)" in finding.message


def test_agreeing_registrations_raise_nothing(world):
    asset = AssetFactory(team=world.phoenix)
    imported(world, NCT, "ictrp_JPRN-jRCT2080224769_aligned.xml", asset=asset)

    assert Link.objects.get().status == "linked"
    assert helios_findings(asset) == []


def test_a_planted_disagreement_on_enrolment_raises_the_finding_with_both_values(world):
    asset = AssetFactory(team=world.phoenix)
    imported(world, NCT, "ictrp_JPRN-jRCT2080224769_planted.xml", asset=asset)

    (finding,) = helios_findings(asset)
    assert finding.kind == "breach"
    assert finding.facts["disagree"] == {
        "enrolment": {"NCT03759379": "164 (planned)", "JPRN-jRCT2080224769": "120 (planned)"}
    }


def test_a_registration_without_a_sponsor_is_an_open_item(world):
    asset = AssetFactory(team=world.phoenix)
    imported(world, NCT, "ictrp_JPRN-jRCT2080224769_aligned.xml", asset=asset)
    jprn = Study.objects.get(other_registry_id="JPRN-jRCT2080224769")
    Study.objects.filter(pk=jprn.pk).update(sponsor_name="")
    findings_recompute(asset_id=asset.pk)

    (finding,) = helios_findings(asset)
    assert (finding.severity, finding.kind) == ("info", "unknown")
    assert finding.facts["not_recorded"] == {"sponsor": ["JPRN-jRCT2080224769"]}


def test_a_rejected_candidate_is_not_proposed_again(world):
    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml")
    link = Link.objects.get()
    assert (link.status, link.basis) == ("candidate", "scored")
    assert link.score is not None and link.score >= 85 and link.score_parts["title"] == 100

    Link.objects.filter(pk=link.pk).update(status="rejected")
    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml")
    assert list(Link.objects.values_list("status", flat=True)) == ["rejected"]


# --- members decide on candidates ---------------------------------------------------------------------------------


@pytest.fixture
def candidate(world):
    """The EU register's Spanish and Hungarian records of one trial (real), on one asset: alike, citing neither."""
    asset = AssetFactory(team=world.phoenix)
    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml", asset=asset)
    return Link.objects.get()


def studies_tab(client, asset_id):
    return client.get(f"/assets/{asset_id}/?tab=studies")


def test_a_candidate_is_shown_and_confirmed_through_the_view(world, candidate):
    client = client_for(world.member)
    asset_id = candidate.first.asset_id
    page = studies_tab(client, asset_id)
    assert page.status_code == 200
    assert 'EUCTR2021-000037-14-ES</span> ↔ <span class="mono">EUCTR2021-000037-14-HU' in page.text
    assert "Candidate: waiting for a member" in page.text

    url = f"/registration-links/{candidate.pk}/confirm/"
    answer = client.post(url, {"version": candidate.version}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<li class="registration-link">')  # the row alone
    assert "Linked: one trial" in answer.text
    candidate.refresh_from_db()
    assert (candidate.status, candidate.decided_by, candidate.version) == ("linked", world.member, 2)

    stale = client.post(url, {"version": 1}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and "Someone decided on this pair" in stale.text


def test_a_candidate_is_rejected_and_stays_rejected(world, candidate):
    client = client_for(world.member)
    answer = client.post(f"/registration-links/{candidate.pk}/reject/", {"version": candidate.version})
    assert answer.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "rejected"
    assert "No other registration found." in studies_tab(client, candidate.first.asset_id).text

    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml")
    assert list(Link.objects.values_list("status", flat=True)) == ["rejected"]


def test_a_decision_without_the_version_is_refused(world, candidate):
    answer = client_for(world.member).post(f"/registration-links/{candidate.pk}/confirm/", {})
    assert answer.status_code == 400
    candidate.refresh_from_db()
    assert candidate.status == "candidate"


@pytest.mark.parametrize("who", ["outsider", "partner"])
def test_outsiders_and_partners_get_404(world, candidate, who):
    client = client_for(getattr(world, who))
    for action in ("confirm", "reject"):
        answer = client.post(f"/registration-links/{candidate.pk}/{action}/", {"version": candidate.version})
        assert answer.status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == "candidate"


def test_the_studies_tab_reads_a_fixed_number_of_queries(world, django_assert_num_queries):
    asset = AssetFactory(team=world.phoenix)
    client = client_for(world.member)
    imported(world, NCT, JPRN, asset=asset)
    studies_tab(client, asset.pk)  # warm the session and caches
    with CaptureQueriesContext(connection) as two:
        studies_tab(client, asset.pk)
    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml", asset=asset)
    with django_assert_num_queries(len(two), exact=True):
        page = studies_tab(client, asset.pk)
    assert page.text.count('<li class="registration-link">') == 4  # each link under both of its studies


def test_the_rules_read_links_in_a_fixed_number_of_queries(world):
    asset = AssetFactory(team=world.phoenix)
    imported(world, NCT, JPRN, asset=asset)
    with CaptureQueriesContext(connection) as one_link:
        facts = load_asset_facts(asset_id=asset.pk, today=dt.date(2026, 12, 1))
        assert facts is not None and len(facts.registration_links) == 1
        list(RULES["registrations-disagree"].check(facts))
    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml", asset=asset)
    Link.objects.filter(status="candidate").update(status="linked")
    with CaptureQueriesContext(connection) as two_links:
        facts = load_asset_facts(asset_id=asset.pk, today=dt.date(2026, 12, 1))
        assert facts is not None and len(facts.registration_links) == 2
        raised = list(RULES["registrations-disagree"].check(facts))
    assert len(two_links) == len(one_link)
    assert len(raised) == 2


def test_a_candidate_becomes_a_link_when_a_registration_later_cites_the_other(world):
    imported(world, "ictrp_EUCTR2021-000037-14-ES.xml", "ictrp_EUCTR2021-000037-14-HU.xml")
    candidate = Link.objects.get()
    spanish = Study.objects.get(other_registry_id="EUCTR2021-000037-14-ES")
    Study.objects.filter(pk=spanish.pk).update(secondary_ids=[*spanish.secondary_ids, "EUCTR2021-000037-14-HU"])

    (changed,) = registration_links_refresh(team_id=world.phoenix.pk, study_ids=[spanish.pk], user=world.member)

    candidate.refresh_from_db()
    assert changed.pk == candidate.pk
    assert (candidate.status, candidate.basis, candidate.version) == ("linked", "secondary_id", 2)
    assert candidate.evidence == "EUCTR2021-000037-14-ES lists EUCTR2021-000037-14-HU as a secondary id"
    assert candidate.history.count() == 2


def test_words_are_compared_across_scripts_widths_and_legal_forms():
    assert text_score("西安交通大學第一附屬醫院 CAR-T 研究", "西安交通大学第一附属医院ＣＡＲ－Ｔ研究") == 100
    assert text_score("HELIOS-A: A Phase 3 Study", "helios a a phase 3 study") == 100
    assert same_organisation("Intellia Therapeutics", "Intellia Therapeutics Inc.")
    assert same_organisation("苏州某某生物科技有限公司", "苏州某某生物科技股份有限公司")
    assert not same_organisation("Alnylam Pharmaceuticals", "CMIC Co., Ltd.")
    assert person_score(["Zhang Wanggang"], ["Wanggang Zhang"]) == 100
    assert best_score(["A study"], [""]) is None

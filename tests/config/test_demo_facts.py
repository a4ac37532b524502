from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from assets.deadlines import NMPA_FIRST_DOSE_WINDOW, add_working_days, working_days_between
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
    Study,
    StudySite,
    TriState,
)
from assets.services import hospital_get_or_create
from config.demo.facts import seed_demo_facts
from teams import access
from teams.models import DealTeam, User

pytestmark = pytest.mark.django_db

ORDER_818_IN_FORCE = dt.date(2026, 5, 1)
FACT_MODELS = [
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
    Study,
    StudySite,
]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, tuple[int, int]]:
    """Rows and history rows of every fact model."""
    return {model.__name__: (model._default_manager.count(), model.history.count()) for model in FACT_MODELS}


def codes(slug: str) -> set[str]:
    return set(Asset.objects.filter(team__slug=slug).values_list("code", flat=True))


@pytest.fixture
def risk() -> Asset:
    seed()
    return Asset.objects.get(team__slug="phoenix", code="DEMO-RISK")


def test_seed_demo_creates_the_assets_in_their_teams():
    output = seed()
    assert codes("phoenix") == {"LCAR-B38M", "CT053", "DEMO-RISK"}
    assert codes("atlas") == {"ATL-101"}
    assert all(Asset.objects.values_list("is_illustrative", flat=True))
    for code in ("LCAR-B38M", "CT053", "DEMO-RISK", "ATL-101"):
        assert f"asset {code} created" in output


def test_every_fact_is_recorded_in_history():
    seed()
    for name, (rows, history_rows) in snapshot().items():
        assert rows > 0, name
        assert history_rows == rows, name


def test_seed_demo_twice_creates_nothing_new():
    seed()
    before = snapshot()
    output = seed()
    assert snapshot() == before
    assert "created" not in output


def test_seed_demo_facts_returns_only_what_it_created():
    phoenix = DealTeam.objects.create(name="Phoenix", slug="phoenix")
    atlas = DealTeam.objects.create(name="Atlas", slug="atlas")
    assert seed_demo_facts(phoenix=phoenix, atlas=atlas) == ["LCAR-B38M", "CT053", "DEMO-RISK", "ATL-101"]
    assert seed_demo_facts(phoenix=phoenix, atlas=atlas) == []


def test_hospitals_are_matched_not_duplicated():
    # Already in the shared directory, spelled differently: the seed uses this entry.
    ruijin, _ = hospital_get_or_create(
        name_en="ruijin hospital,  shanghai jiao tong university school of medicine", city="SHANGHAI", user=None
    )
    seed()
    assert Hospital.objects.filter(name_key=ruijin.name_key).count() == 1
    assert StudySite.objects.filter(hospital=ruijin, study__nct_id="NCT03090659").exists()
    # Changzheng hosts both LCAR-B38M's and CT053's IITs: one directory entry.
    changzheng = Hospital.objects.get(name_en="Changzheng Hospital")
    assert set(changzheng.study_sites.values_list("study__asset__code", flat=True)) == {"LCAR-B38M", "CT053"}
    names = list(Hospital.objects.values_list("name_key", "city_key"))
    assert len(names) == len(set(names))


def test_lcar_b38m_is_the_legend_2_iit_before_order_818():
    seed()
    study = Study.objects.get(team__slug="phoenix", nct_id="NCT03090659")
    assert study.asset is not None and study.asset.code == "LCAR-B38M"
    assert study.acronym == "LEGEND-2"
    assert study.is_investigator_initiated
    assert study.start_date is not None and study.start_date < ORDER_818_IN_FORCE
    assert study.sites.count() == 4
    lead = study.sites.get(role=StudySite.Role.LEAD)
    assert lead.hospital.name_zh == "西安交通大学第二附属医院"
    assert lead.hospital.is_verified_grade_a_tertiary
    assert lead.principal_investigator == "Wang-Gang Zhang; Ai-Li He"
    for site in study.sites.all():
        assert site.first_enrolled_on is not None
        assert site.ethics_approvals.get().approval_date < site.first_enrolled_on
    deal = study.asset.deal_terms
    assert deal.upfront == Decimal("350000000.00")
    assert deal.direction == DealTerms.Direction.OUT_LICENSING
    assert study.asset.registration_plan.us_filing_relies_on_iit == TriState.NO


def test_demo_risk_nhc_filing_is_on_the_6th_working_day_across_national_day(risk: Asset):
    filing = NHCFiling.objects.get(study__asset=risk)
    assert filing.reviews_complete_on == dt.date(2026, 9, 28)
    assert add_working_days(filing.reviews_complete_on, 5).date == dt.date(2026, 10, 10)  # a make-up Saturday
    assert filing.filed_on == dt.date(2026, 10, 12)
    assert working_days_between(filing.reviews_complete_on, filing.filed_on) == (6, False)


def test_demo_risk_order_818_study_is_at_a_non_verified_non_grade_a_hospital(risk: Asset):
    study = risk.studies.get(start_date__gt=ORDER_818_IN_FORCE)
    assert study.start_date == dt.date(2026, 10, 20)
    assert study.is_investigator_initiated
    assert risk.in_order818_scope
    lead = study.sites.get(role=StudySite.Role.LEAD).hospital
    assert (lead.grade, lead.grade_verified) == (Hospital.Grade.SECONDARY, False)
    assert not any(site.hospital.is_verified_grade_a_tertiary for site in study.sites.all())
    assert {country for s in risk.studies.all() for country in s.countries} == {"China"}


def test_demo_risk_consent_and_ethics_gaps(risk: Asset):
    approvals = EthicsApproval.objects.filter(study_site__study__asset=risk)
    assert approvals.filter(consent_cross_border=TriState.NO, consent_commercial_use=TriState.UNKNOWN).exists()
    # Approved after the first enrolment, or with no enrolment on file (which would show here as a difference).
    late = [
        a
        for a in approvals.select_related("study_site")
        if not a.study_site.first_enrolled_on or a.approval_date > a.study_site.first_enrolled_on
    ]
    assert [(a.study_site.first_enrolled_on, a.approval_date) for a in late] == [
        (dt.date(2026, 11, 4), dt.date(2026, 11, 12))
    ]


def test_demo_risk_foreign_party_without_international_cooperation_filing(risk: Asset):
    for study in risk.studies.all():
        evidence = study.evidence
        assert evidence.foreign_party_involved == TriState.YES
        assert evidence.foreign_party == "Westbridge Therapeutics Inc. (US)"
        assert evidence.data_sent_abroad == TriState.YES
        kinds = set(study.hgr_filings.values_list("kind", flat=True))
        assert kinds == {HGRFiling.Kind.COLLECTION_APPROVAL}
        assert not kinds & (HGRFiling.INTERNATIONAL_COOPERATION | {HGRFiling.Kind.OUTBOUND_DATA_FILING})


def test_demo_risk_evidence_is_not_inspection_grade_nor_owned(risk: Asset):
    for evidence in EvidenceQuality.objects.filter(study__asset=risk):
        assert evidence.gcp_compliant in {TriState.NO, TriState.UNKNOWN}
        assert evidence.independently_monitored == TriState.NO
        assert evidence.source_records_accessible == TriState.UNKNOWN
        assert (evidence.institution_assignment, evidence.investigator_assignment) == (TriState.NO, TriState.NO)
    assert all(study.is_investigator_initiated for study in risk.studies.all())
    claim = EfficacyClaim.objects.get(study__asset=risk)
    assert (claim.endpoint, claim.value, claim.patients, claim.median_follow_up_months) == (
        "ORR",
        Decimal("83.3"),
        12,
        Decimal("4.5"),
    )


def test_demo_risk_registration_plan_relies_on_the_iit(risk: Asset):
    plan = risk.registration_plan
    assert plan.targets_us
    assert (plan.us_filing_relies_on_iit, plan.mrct_planned) == (TriState.YES, TriState.NO)


def test_demo_risk_nmpa_ind_missed_the_review_and_first_dose_clocks(risk: Asset):
    ind = risk.ind_applications.get()
    assert ind.pathway == INDApplication.Pathway.THIRTY_DAY
    assert not ind.review_extended
    assert ind.accepted_on is not None and ind.cleared_on is not None
    assert working_days_between(ind.accepted_on, ind.cleared_on)[0] > 30
    assert ind.first_dose_on is None
    assert ind.cleared_on + NMPA_FIRST_DOSE_WINDOW < dt.date(2026, 11, 26)


def test_demo_risk_deal_pays_a_registration_grade_upfront(risk: Asset):
    deal = risk.deal_terms
    assert deal.direction == DealTerms.Direction.IN_LICENSING
    assert (deal.currency, deal.upfront) == ("USD", Decimal("150000000.00"))
    assert deal.milestones_total() == Decimal("850000000.00")
    assert deal.upfront_share() == Decimal("0.15")


def test_atlas_asset_is_atlas_only():
    seed()
    atlas_asset = Asset.objects.get(code="ATL-101")
    assert atlas_asset.team.slug == "atlas"
    assert atlas_asset.modality == Asset.Modality.BISPECIFIC
    study = atlas_asset.studies.get()
    assert study.team == atlas_asset.team
    assert study.sponsor_type == Study.SponsorType.INDUSTRY
    assert study.sites.count() == 1
    assert not Asset.objects.filter(team__slug="phoenix", code="ATL-101").exists()
    assert not Study.objects.filter(team__slug="atlas").exclude(asset=atlas_asset).exists()
    assert set(Company.objects.filter(team__slug="atlas").values_list("name", flat=True)) == {
        "Atlas Demo Biologics (fictional)"
    }


def test_each_team_sees_only_its_own_demo_assets():
    seed()
    for username, expected in (("member", {"LCAR-B38M", "CT053", "DEMO-RISK"}), ("outsider", {"ATL-101"})):
        user = User.objects.get(username=username)
        assert set(access.scope(Asset.objects.all(), user=user).values_list("code", flat=True)) == expected


def test_ct053s_inn_is_spelled_as_the_who_inn_list_spells_it():
    call_command("seed_demo", stdout=StringIO())
    assert Asset.objects.get(team__slug="phoenix", code="CT053").inn_name == "zevorcabtagene autoleucel"


def test_what_the_public_facts_do_not_state_is_labelled_illustrative():
    call_command("seed_demo", stdout=StringIO())
    lcar = Asset.objects.get(team__slug="phoenix", code="LCAR-B38M")
    illustrative = lcar.notes.split("Illustrative", 1)[1]
    for fact in ("upfront", "signing day", "milestones", "registration plan", "counterparty's countr"):
        assert fact in illustrative, fact
    assert all("(illustrative)" in m.event for m in lcar.deal_terms.milestones.all())
    assert "originator's country" in Asset.objects.get(team__slug="phoenix", code="CT053").notes

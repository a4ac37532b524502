"""Each rule on its own, at its boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from diligence.rules import RULES
from diligence.rules.citations import CITATIONS
from diligence.rules.facts import load_asset_facts
from tests.factories import (
    AssetFactory,
    DealTermsFactory,
    EfficacyClaimFactory,
    EthicsApprovalFactory,
    EvidenceQualityFactory,
    HGRFilingFactory,
    HospitalFactory,
    INDApplicationFactory,
    MilestoneFactory,
    NHCFilingFactory,
    RegistrationPlanFactory,
    StudyFactory,
    StudySiteFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 11, 26)


def raised(asset, rule_id: str, today: dt.date = TODAY):
    facts = load_asset_facts(asset_id=asset.pk, today=today)
    assert facts is not None
    return list(RULES[rule_id].check(facts))


def severities(asset, rule_id: str, today: dt.date = TODAY) -> list[str]:
    return [r.severity or RULES[rule_id].severity for r in raised(asset, rule_id, today)]


def test_every_rule_has_a_question_a_severity_and_a_known_citation():
    assert len(RULES) >= 13
    for rule in RULES.values():
        assert rule.citation in CITATIONS
        assert rule.severity in {"high", "medium", "info"}
        assert rule.question in {"data_integrity", "consent_ethics", "hgr_export", "ownership", "registration"}
        assert rule.title and rule.remedy


# --- ORDER-818: site grade -------------------------------------------------------------------------------------


def grade_case(start: dt.date, *, precision: str = "day", modality: str = "car_t", **hospital):
    hospital = {"grade": "secondary", "grade_verified": False, "grade_verified_on": None, **hospital}
    site = StudySiteFactory(
        study__asset__modality=modality,
        study__start_date=start,
        study__start_date_precision=precision,
        hospital=HospitalFactory(**hospital),
    )
    return site.study.asset


def test_site_grade_the_day_before_order_818_takes_force():
    assert raised(grade_case(D(2026, 4, 30)), "order818-site-grade") == []


def test_site_grade_the_day_order_818_takes_force():
    found = raised(grade_case(D(2026, 5, 1)), "order818-site-grade")
    assert len(found) == 1 and "Secondary, not verified" in found[0].message


def test_site_grade_verified_grade_a_tertiary_is_fine_and_unverified_is_not():
    assert (
        raised(
            grade_case(D(2026, 6, 1), grade="grade_a_tertiary", grade_verified=True, grade_verified_on=D(2026, 1, 1)),
            "order818-site-grade",
        )
        == []
    )
    assert len(raised(grade_case(D(2026, 6, 1), grade="grade_a_tertiary"), "order818-site-grade")) == 1


def test_site_grade_partial_dates():
    assert raised(grade_case(D(2026, 4, 1), precision="month"), "order818-site-grade") == []
    assert severities(grade_case(D(2026, 1, 1), precision="year"), "order818-site-grade") == ["medium"]


def test_site_grade_only_for_new_biomedical_technology():
    assert raised(grade_case(D(2026, 6, 1), modality="antibody"), "order818-site-grade") == []
    asset = grade_case(D(2026, 6, 1), modality="antibody")
    asset.order818_scope_override = True
    asset.save()
    assert len(raised(asset, "order818-site-grade")) == 1


# --- ORDER-818: NHC filing, across National Day 2026 and its make-up Saturday ----------------------------------


ACADEMIC_REVIEW, ETHICS_APPROVAL = D(2026, 9, 25), D(2026, 9, 28)  # the later is Monday 28 September 2026


def nhc_case(filed_on, *, academic=ACADEMIC_REVIEW, ethics=ETHICS_APPROVAL):
    filing = NHCFilingFactory(
        study__start_date=D(2026, 10, 20),
        study__asset__modality="car_t",
        academic_review_on=academic,
        ethics_approved_on=ethics,
        filed_on=filed_on,
    )
    return filing.study.asset


def test_nhc_filing_on_the_fifth_working_day_the_make_up_saturday_is_in_time():
    assert raised(nhc_case(D(2026, 10, 10)), "order818-nhc-filing") == []


def test_nhc_filing_on_the_sixth_working_day_is_late():
    found = raised(nhc_case(D(2026, 10, 12)), "order818-nhc-filing")
    assert len(found) == 1
    assert "6th China working day" in found[0].message and "due by 2026-10-10" in found[0].message
    assert found[0].facts["working_days"] == 6


def test_nhc_filing_not_yet_filed_is_raised_only_once_overdue():
    assert raised(nhc_case(None), "order818-nhc-filing", today=D(2026, 10, 10)) == []
    assert len(raised(nhc_case(None), "order818-nhc-filing", today=D(2026, 10, 12))) == 1


def test_nhc_filing_missing_altogether():
    study = StudyFactory(start_date=D(2026, 5, 1), asset__modality="gene_therapy")
    found = raised(study.asset, "order818-nhc-filing")
    assert len(found) == 1 and "no NHC filing" in found[0].message


def test_nhc_filing_without_review_dates_is_a_medium_finding():
    assert severities(nhc_case(D(2026, 10, 12), academic=None), "order818-nhc-filing") == ["medium"]


def test_nhc_filing_not_required_before_order_818():
    study = StudyFactory(start_date=D(2026, 4, 30), asset__modality="car_t")
    assert raised(study.asset, "order818-nhc-filing") == []


# --- ethics coverage and consent -------------------------------------------------------------------------------


def test_site_without_ethics_approval():
    site = StudySiteFactory()
    assert len(raised(site.study.asset, "ethics-coverage")) == 1


@pytest.mark.parametrize(("approved", "count"), [(D(2024, 4, 1), 0), (D(2024, 4, 2), 1)])
def test_ethics_approval_on_and_after_the_first_enrolment(approved, count):
    approval = EthicsApprovalFactory(study_site__first_enrolled_on=D(2024, 4, 1), approval_date=approved)
    assert len(raised(approval.study_site.study.asset, "ethics-coverage")) == count


@pytest.mark.parametrize(("answer", "expected"), [("yes", []), ("no", ["high"]), ("unknown", ["medium"])])
def test_consent_scope(answer, expected):
    commercial = EthicsApprovalFactory(consent_commercial_use=answer)
    cross_border = EthicsApprovalFactory(consent_cross_border=answer)
    assert severities(commercial.study_site.study.asset, "consent-commercial-use") == expected
    assert severities(cross_border.study_site.study.asset, "consent-cross-border") == expected
    assert RULES["consent-cross-border"].citation == "HGR-2024"


# --- HGR-2024 ------------------------------------------------------------------------------------------------


def test_foreign_party_without_international_cooperation_filing():
    evidence = EvidenceQualityFactory(foreign_party_involved="yes", foreign_party="Westbridge Inc. (US)")
    HGRFilingFactory(study=evidence.study, kind="collection_approval")
    found = raised(evidence.study.asset, "hgr-foreign-use")
    assert len(found) == 1 and "Westbridge" in found[0].message


@pytest.mark.parametrize(("status", "count"), [("approved", 0), ("filed", 0), ("submitted", 1), ("rejected", 1)])
def test_international_cooperation_filing_must_be_in_force(status, count):
    evidence = EvidenceQualityFactory(foreign_party_involved="yes", foreign_party="Westbridge Inc. (US)")
    HGRFilingFactory(study=evidence.study, kind="intl_cooperation_filing", status=status)
    assert len(raised(evidence.study.asset, "hgr-foreign-use")) == count


def test_foreign_funder_counts_as_foreign_involvement():
    from tests.factories import CompanyFactory

    study = StudyFactory()
    study.funding_company = CompanyFactory(team=study.team, country="United States")
    study.save()
    assert len(raised(study.asset, "hgr-foreign-use")) == 1


def test_data_sent_abroad_needs_an_outbound_filing():
    evidence = EvidenceQualityFactory(data_sent_abroad="yes")
    assert len(raised(evidence.study.asset, "hgr-outbound-data")) == 1
    HGRFilingFactory(study=evidence.study, kind="outbound_data_filing", status="filed")
    assert raised(evidence.study.asset, "hgr-outbound-data") == []


# --- CFR-312.120, IIT-grade evidence, efficacy hygiene ------------------------------------------------------------


def test_us_filing_relying_on_iit_without_gcp_conditions():
    evidence = EvidenceQualityFactory(gcp_compliant="yes", independently_monitored="no")
    RegistrationPlanFactory(asset=evidence.study.asset, target_markets=["US"], us_filing_relies_on_iit="yes")
    found = raised(evidence.study.asset, "cfr312-foreign-data")
    assert len(found) == 1 and "independent monitoring" in found[0].message and "GCP" not in found[0].message


def test_us_filing_reliance_unknown_is_medium_and_no_reliance_is_fine():
    evidence = EvidenceQualityFactory()
    plan = RegistrationPlanFactory(asset=evidence.study.asset, target_markets=["US"], us_filing_relies_on_iit="unknown")
    assert severities(evidence.study.asset, "cfr312-foreign-data") == ["medium"]
    plan.us_filing_relies_on_iit = "no"
    plan.save()
    assert raised(evidence.study.asset, "cfr312-foreign-data") == []


def test_iit_grade_evidence_until_an_industry_study_exists():
    study = StudyFactory(sponsor_type="iit_company_funded")
    assert len(raised(study.asset, "iit-grade-evidence")) == 1
    StudyFactory(asset=study.asset, sponsor_type="industry")
    assert raised(study.asset, "iit-grade-evidence") == []


@pytest.mark.parametrize(
    ("patients", "follow_up", "unit", "count"),
    [(20, "6.0", "%", 0), (19, "6.0", "%", 1), (20, "5.9", "%", 1), (12, "4.5", "months", 0)],
)
def test_efficacy_claim_hygiene(patients, follow_up, unit, count):
    claim = EfficacyClaimFactory(patients=patients, median_follow_up_months=Decimal(follow_up), unit=unit)
    assert len(raised(claim.study.asset, "efficacy-claim-hygiene")) == count


# --- ownership -------------------------------------------------------------------------------------------------


def test_ownership_needs_both_assignments():
    evidence = EvidenceQualityFactory(
        institution_assignment="yes",
        investigator_assignment="yes",
        institution_assignment_on=D(2025, 1, 1),
        investigator_assignment_on=D(2025, 1, 2),
    )
    assert raised(evidence.study.asset, "ownership-assignment") == []
    evidence.investigator_assignment = "unknown"
    evidence.investigator_assignment_on = None
    evidence.save()
    found = raised(evidence.study.asset, "ownership-assignment")
    assert len(found) == 1 and "investigator" in found[0].message


# --- registration ----------------------------------------------------------------------------------------------


def test_ich_e17_all_china_without_mrct():
    site = StudySiteFactory(hospital__country="China")
    plan = RegistrationPlanFactory(asset=site.study.asset, mrct_planned="no")
    assert len(raised(site.study.asset, "ich-e17-no-mrct")) == 1
    plan.mrct_planned = "yes"
    plan.save()
    assert raised(site.study.asset, "ich-e17-no-mrct") == []


def test_ich_e17_not_raised_with_an_ex_china_site():
    site = StudySiteFactory(hospital__country="China")
    StudySiteFactory(study=site.study, hospital__country="United States", hospital__city="Boston")
    assert raised(site.study.asset, "ich-e17-no-mrct") == []


def test_us_approp_watch_is_info():
    site = StudySiteFactory(hospital__country="China")
    RegistrationPlanFactory(asset=site.study.asset, target_markets=["US"])
    assert severities(site.study.asset, "us-approp-watch") == ["info"]


@pytest.mark.parametrize(
    ("upfront", "milestones", "count"),
    [
        ("10000000", "90000000", 0),
        ("10000001", "90000000", 1),
        ("80000000", "920000000", 0),
        ("80000001", "940000000", 1),
    ],
)
def test_overpayment_trap_boundaries(upfront, milestones, count):
    asset = StudyFactory(sponsor_type="iit").asset
    deal = DealTermsFactory(asset=asset, upfront=Decimal(upfront))
    MilestoneFactory(deal=deal, amount=Decimal(milestones))
    assert len(raised(asset, "overpayment-trap")) == count


def test_overpayment_trap_not_raised_with_registration_grade_evidence():
    asset = StudyFactory(sponsor_type="industry").asset
    DealTermsFactory(asset=asset, upfront=Decimal("500000000"))
    assert raised(asset, "overpayment-trap") == []


def test_overpayment_limits_are_settings(settings):
    settings.DILIGENCE_OVERPAYMENT_MAX_UPFRONT_SHARE = "0.50"
    settings.DILIGENCE_OVERPAYMENT_MAX_UPFRONT_USD = "200000000"
    asset = StudyFactory(sponsor_type="iit").asset
    deal = DealTermsFactory(asset=asset, upfront=Decimal("150000000"))
    MilestoneFactory(deal=deal, amount=Decimal("850000000"))
    assert raised(asset, "overpayment-trap") == []


@pytest.mark.parametrize(("first_dose", "count"), [(D(2026, 7, 13), 0), (D(2026, 7, 14), 1), (None, 1)])
def test_nmpa86_first_dose_window(first_dose, count):
    ind = INDApplicationFactory(pathway="standard", cleared_on=D(2026, 4, 20), first_dose_on=first_dose)
    assert len([r for r in raised(ind.asset, "nmpa86-timeline") if "first-dose" in r.subject]) == count


def test_nmpa86_review_on_the_30th_and_31st_working_day():
    from assets.deadlines import add_working_days

    on_time = INDApplicationFactory(
        accepted_on=D(2026, 3, 6), cleared_on=add_working_days(D(2026, 3, 6), 30).date, first_dose_on=D(2026, 5, 1)
    )
    late = INDApplicationFactory(
        accepted_on=D(2026, 3, 6), cleared_on=add_working_days(D(2026, 3, 6), 31).date, first_dose_on=D(2026, 5, 1)
    )
    assert [r for r in raised(on_time.asset, "nmpa86-timeline") if "review" in r.subject] == []
    assert len([r for r in raised(late.asset, "nmpa86-timeline") if "review" in r.subject]) == 1
    late.review_extended = True
    late.save()
    assert [r for r in raised(late.asset, "nmpa86-timeline") if "review" in r.subject] == []


def test_fda_inds_have_no_nmpa_clock():
    ind = INDApplicationFactory(authority="fda", submitted_on=None, accepted_on=None, cleared_on=D(2026, 1, 5))
    assert raised(ind.asset, "nmpa86-timeline") == []


def test_an_empty_asset_raises_nothing():
    asset = AssetFactory()
    assert [rule_id for rule_id in RULES if raised(asset, rule_id)] == []

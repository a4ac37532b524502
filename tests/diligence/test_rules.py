"""Each rule on its own, at its boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.models import Study
from assets.selectors import ind_deadlines
from diligence.models import UNKNOWN_SEVERITY, HousePolicy
from diligence.rules import RULES, RuleFinding
from diligence.rules.citations import CITATIONS
from diligence.rules.facts import load_asset_facts
from diligence.services.policy import house_policy_save
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
    return [RuleFinding(RULES[rule_id], r).severity for r in raised(asset, rule_id, today)]


def kinds(asset, rule_id: str, today: dt.date = TODAY) -> list[tuple[str, str]]:
    """(severity, kind) of each finding the rule raises: kind "breach", or "unknown" for an open item."""
    return [(f.severity, f.kind) for f in (RuleFinding(RULES[rule_id], r) for r in raised(asset, rule_id, today))]


HIGH_BREACH, MEDIUM_BREACH = ("high", "breach"), ("medium", "breach")
OPEN_ITEM_OF_HIGH, OPEN_ITEM_OF_MEDIUM = ("medium", "unknown"), ("info", "unknown")


def test_the_convention_for_unknowns_is_one_step_below_the_breach():
    assert UNKNOWN_SEVERITY == {"high": "medium", "medium": "info", "info": "info"}
    for rule in RULES.values():
        assert "Unknown" in (rule.check.__doc__ or ""), f"{rule.id} does not state its treatment of unknowns"


def test_every_rule_has_a_question_a_severity_and_a_known_citation():
    assert len(RULES) >= 13
    for rule in RULES.values():
        assert rule.citation in CITATIONS
        assert rule.severity in {"high", "medium", "info"}
        assert rule.question in {"data_integrity", "consent_ethics", "hgr_export", "ownership", "registration"}
        assert rule.title and rule.remedy


# --- ORDER-818: site grade -------------------------------------------------------------------------------------


def grade_case(start: dt.date | None, *, precision: str = "day", modality: str = "car_t", **hospital: object):
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
    assert kinds(grade_case(D(2026, 5, 1)), "order818-site-grade") == [OPEN_ITEM_OF_HIGH]


def test_site_grade_a_verified_lower_grade_is_a_breach_an_unverified_one_an_open_item():
    verified = grade_case(D(2026, 6, 1), grade="secondary", grade_verified=True, grade_verified_on=D(2026, 1, 1))
    assert kinds(verified, "order818-site-grade") == [HIGH_BREACH]
    unverified = grade_case(D(2026, 6, 1), grade="secondary")
    assert kinds(unverified, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]
    unknown_grade = grade_case(D(2026, 6, 1), grade="unknown", grade_verified=True, grade_verified_on=D(2026, 1, 1))
    assert kinds(unknown_grade, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]


def test_site_grade_with_the_start_not_recorded_is_an_open_item():
    found = raised(grade_case(None), "order818-site-grade")
    assert len(found) == 1 and "not recorded" in found[0].message
    assert kinds(grade_case(None), "order818-site-grade") == [OPEN_ITEM_OF_HIGH]


def test_site_grade_verified_grade_a_tertiary_is_fine_and_unverified_is_not():
    assert (
        raised(
            grade_case(D(2026, 6, 1), grade="grade_a_tertiary", grade_verified=True, grade_verified_on=D(2026, 1, 1)),
            "order818-site-grade",
        )
        == []
    )
    assert len(raised(grade_case(D(2026, 6, 1), grade="grade_a_tertiary"), "order818-site-grade")) == 1


def test_site_grade_partial_dates_are_judged_on_every_day_they_could_be():
    verified: dict[str, Any] = {"grade_verified": True, "grade_verified_on": D(2026, 1, 1)}
    # April 2026: every day it could be is before 1 May; May 2026: every day on or after; 2026: possibly either.
    assert raised(grade_case(D(2026, 4, 1), precision="month", **verified), "order818-site-grade") == []
    assert kinds(grade_case(D(2026, 5, 1), precision="month", **verified), "order818-site-grade") == [HIGH_BREACH]
    possibly = grade_case(D(2026, 1, 1), precision="year", **verified)
    assert kinds(possibly, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]
    assert "possibly" in raised(possibly, "order818-site-grade")[0].message


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


def test_nhc_filing_on_a_non_working_day_after_its_due_day_is_late_on_the_page_and_in_the_findings():
    from assets import deadlines

    assert not deadlines.is_working_day(D(2026, 10, 11))  # the Sunday after the make-up Saturday it was due
    due = deadlines.nhc_filing_deadline(
        academic_review_on=ACADEMIC_REVIEW, ethics_approved_on=ETHICS_APPROVAL, filed_on=D(2026, 10, 11)
    )
    assert due is not None and due.status(TODAY) == "late"
    found = raised(nhc_case(D(2026, 10, 11)), "order818-nhc-filing")
    assert len(found) == 1 and "a non-working day after the 5th China working day" in found[0].message
    assert kinds(nhc_case(D(2026, 10, 11)), "order818-nhc-filing") == [HIGH_BREACH]


def test_nhc_filing_late_by_an_estimated_calendar_is_an_open_item_said_to_be_an_estimate():
    filing = NHCFilingFactory(
        study__start_date=D(2026, 10, 20),
        study__asset__modality="car_t",
        academic_review_on=D(2031, 3, 3),
        ethics_approved_on=D(2031, 3, 3),
        filed_on=D(2031, 3, 20),
    )
    found = raised(filing.study.asset, "order818-nhc-filing", today=D(2031, 4, 1))
    assert len(found) == 1 and "estimate, not certain" in found[0].message and found[0].facts["calendar_estimated"]
    assert kinds(filing.study.asset, "order818-nhc-filing", today=D(2031, 4, 1)) == [OPEN_ITEM_OF_HIGH]


def test_nhc_filing_not_yet_filed_is_raised_only_once_overdue():
    assert raised(nhc_case(None), "order818-nhc-filing", today=D(2026, 10, 10)) == []
    assert len(raised(nhc_case(None), "order818-nhc-filing", today=D(2026, 10, 12))) == 1


def test_nhc_filing_missing_altogether_is_an_open_item():
    study = StudyFactory(start_date=D(2026, 5, 1), asset__modality="gene_therapy")
    found = raised(study.asset, "order818-nhc-filing")
    assert len(found) == 1 and "no NHC filing" in found[0].message
    assert kinds(study.asset, "order818-nhc-filing") == [OPEN_ITEM_OF_HIGH]


def test_nhc_filing_without_review_dates_is_an_open_item():
    assert kinds(nhc_case(D(2026, 10, 12), academic=None), "order818-nhc-filing") == [OPEN_ITEM_OF_HIGH]
    assert kinds(nhc_case(D(2026, 10, 12)), "order818-nhc-filing") == [HIGH_BREACH]


def test_nhc_filing_late_for_a_study_only_possibly_under_order_818_is_an_open_item():
    filing = NHCFilingFactory(
        study__start_date=D(2026, 1, 1),
        study__start_date_precision="year",
        study__asset__modality="car_t",
        academic_review_on=ACADEMIC_REVIEW,
        ethics_approved_on=ETHICS_APPROVAL,
        filed_on=D(2026, 10, 12),
    )
    assert kinds(filing.study.asset, "order818-nhc-filing") == [OPEN_ITEM_OF_HIGH]


def test_nhc_filing_not_required_before_order_818():
    study = StudyFactory(start_date=D(2026, 4, 30), asset__modality="car_t")
    assert raised(study.asset, "order818-nhc-filing") == []


# --- ethics coverage and consent -------------------------------------------------------------------------------


def test_site_without_ethics_approval_on_file_is_an_open_item():
    site = StudySiteFactory()
    assert kinds(site.study.asset, "ethics-coverage") == [OPEN_ITEM_OF_HIGH]


@pytest.mark.parametrize(("approved", "expected"), [(D(2024, 4, 1), []), (D(2024, 4, 2), [HIGH_BREACH])])
def test_ethics_approval_on_and_after_the_first_enrolment(approved, expected):
    approval = EthicsApprovalFactory(study_site__first_enrolled_on=D(2024, 4, 1), approval_date=approved)
    assert kinds(approval.study_site.study.asset, "ethics-coverage") == expected


def test_ethics_approval_with_the_first_enrolment_not_recorded_is_an_open_item():
    approval = EthicsApprovalFactory(study_site__first_enrolled_on=None, approval_date=D(2024, 4, 2))
    assert kinds(approval.study_site.study.asset, "ethics-coverage") == [OPEN_ITEM_OF_HIGH]


@pytest.mark.parametrize(("answer", "expected"), [("yes", []), ("no", [HIGH_BREACH]), ("unknown", [OPEN_ITEM_OF_HIGH])])
def test_consent_scope(answer, expected):
    commercial = EthicsApprovalFactory(consent_commercial_use=answer)
    cross_border = EthicsApprovalFactory(consent_cross_border=answer)
    assert kinds(commercial.study_site.study.asset, "consent-commercial-use") == expected
    assert kinds(cross_border.study_site.study.asset, "consent-cross-border") == expected


def test_consent_cites_the_consent_and_ethics_question_not_a_regulation():
    # HGR-2024 and 21 CFR 312.120 do not say consent must cover commercial use or cross-border transfer; diligence
    # question 2 does.
    assert RULES["consent-cross-border"].citation == RULES["consent-commercial-use"].citation == "DQ-CONSENT"
    assert RULES["ethics-coverage"].citation == "CFR-312.120"


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
    assert kinds(evidence.study.asset, "hgr-outbound-data") == [HIGH_BREACH]
    HGRFilingFactory(study=evidence.study, kind="outbound_data_filing", status="filed")
    assert raised(evidence.study.asset, "hgr-outbound-data") == []


@pytest.mark.parametrize(("answer", "expected"), [("no", []), ("unknown", [OPEN_ITEM_OF_HIGH])])
def test_data_sent_abroad_unknown_is_an_open_item(answer, expected):
    evidence = EvidenceQualityFactory(data_sent_abroad=answer)
    assert kinds(evidence.study.asset, "hgr-outbound-data") == expected
    assert kinds(StudyFactory().asset, "hgr-outbound-data") == [OPEN_ITEM_OF_HIGH]  # no evidence record at all


@pytest.mark.parametrize(
    ("involved", "defined", "filing", "expected"),
    [
        ("yes", "yes", None, [HIGH_BREACH]),
        ("yes", "yes", "intl_cooperation_filing", [HIGH_BREACH]),  # a filing does not do in a defined case
        ("yes", "yes", "intl_cooperation_approval", []),
        ("yes", "unknown", "intl_cooperation_filing", [OPEN_ITEM_OF_HIGH]),
        ("yes", "no", None, []),  # hgr-foreign-use speaks for it
        ("no", "yes", None, []),  # no foreign party: not in scope
        ("unknown", "unknown", None, []),  # hgr-foreign-use raises the open item on foreign involvement
    ],
)
def test_a_defined_case_with_foreign_involvement_needs_an_explicit_approval(involved, defined, filing, expected):
    evidence = EvidenceQualityFactory(
        foreign_party_involved=involved, foreign_party="Westbridge Inc. (US)", hgr_defined_case=defined
    )
    if filing:
        HGRFilingFactory(study=evidence.study, kind=filing, status="approved" if "approval" in filing else "filed")
    assert kinds(evidence.study.asset, "hgr-defined-case-approval") == expected


@pytest.mark.parametrize(("answer", "expected"), [("no", []), ("unknown", [OPEN_ITEM_OF_HIGH])])
def test_foreign_involvement_unknown_is_an_open_item(answer, expected):
    evidence = EvidenceQualityFactory(foreign_party_involved=answer)
    assert kinds(evidence.study.asset, "hgr-foreign-use") == expected


# --- CFR-312.120, IIT-grade evidence, efficacy hygiene ------------------------------------------------------------


def test_us_filing_relying_on_iit_without_gcp_conditions():
    evidence = EvidenceQualityFactory(gcp_compliant="yes", independently_monitored="no")
    RegistrationPlanFactory(asset=evidence.study.asset, target_markets=["US"], us_filing_relies_on_iit="yes")
    found = raised(evidence.study.asset, "cfr312-foreign-data")
    assert len(found) == 1 and "independent monitoring" in found[0].message and "GCP" not in found[0].message


def test_us_filing_reliance_unknown_is_an_open_item_and_no_reliance_is_fine():
    evidence = EvidenceQualityFactory()
    plan = RegistrationPlanFactory(asset=evidence.study.asset, target_markets=["US"], us_filing_relies_on_iit="unknown")
    assert kinds(evidence.study.asset, "cfr312-foreign-data") == [OPEN_ITEM_OF_HIGH]
    plan.us_filing_relies_on_iit = "no"
    plan.save()
    assert raised(evidence.study.asset, "cfr312-foreign-data") == []


def test_us_filing_relying_on_iit_with_gcp_conditions_unrecorded_is_an_open_item_and_with_them_absent_a_breach():
    evidence = EvidenceQualityFactory(gcp_compliant="yes", independently_monitored="unknown")
    RegistrationPlanFactory(asset=evidence.study.asset, target_markets=["US"], us_filing_relies_on_iit="yes")
    assert kinds(evidence.study.asset, "cfr312-foreign-data") == [OPEN_ITEM_OF_HIGH]
    evidence.independently_monitored = "no"
    evidence.save()
    assert kinds(evidence.study.asset, "cfr312-foreign-data") == [HIGH_BREACH]


def test_no_registration_plan_is_an_open_item_for_iit_evidence():
    study = StudyFactory(sponsor_type="iit")
    assert kinds(study.asset, "cfr312-foreign-data") == [OPEN_ITEM_OF_HIGH]
    RegistrationPlanFactory(asset=study.asset, target_markets=["CN"])
    assert raised(study.asset, "cfr312-foreign-data") == []


def test_iit_grade_evidence_until_an_industry_study_exists():
    study = StudyFactory(sponsor_type="iit_company_funded")
    assert kinds(study.asset, "iit-grade-evidence") == [MEDIUM_BREACH]
    StudyFactory(asset=study.asset, sponsor_type="industry")
    assert raised(study.asset, "iit-grade-evidence") == []


def test_evidence_grade_with_no_study_or_an_unknown_sponsor_type_is_an_open_item():
    assert kinds(AssetFactory(), "iit-grade-evidence") == [OPEN_ITEM_OF_MEDIUM]
    study = StudyFactory(sponsor_type="unknown")
    assert kinds(study.asset, "iit-grade-evidence") == [OPEN_ITEM_OF_MEDIUM]


@pytest.mark.parametrize(
    ("patients", "follow_up", "unit", "count"),
    [(20, "6.0", "%", 0), (19, "6.0", "%", 1), (20, "5.9", "%", 1), (12, "4.5", "months", 0)],
)
def test_efficacy_claim_hygiene(patients, follow_up, unit, count):
    claim = EfficacyClaimFactory(patients=patients, median_follow_up_months=Decimal(follow_up), unit=unit)
    assert kinds(claim.study.asset, "efficacy-claim-hygiene") == [MEDIUM_BREACH] * count


def test_efficacy_claim_without_a_median_follow_up_is_an_open_item():
    claim = EfficacyClaimFactory(patients=40, median_follow_up_months=None, unit="%")
    assert kinds(claim.study.asset, "efficacy-claim-hygiene") == [OPEN_ITEM_OF_MEDIUM]


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
    assert kinds(evidence.study.asset, "ownership-assignment") == [OPEN_ITEM_OF_HIGH]
    evidence.investigator_assignment = "no"
    evidence.save()
    assert kinds(evidence.study.asset, "ownership-assignment") == [HIGH_BREACH]


# --- registration ----------------------------------------------------------------------------------------------


def test_ich_e17_all_china_without_mrct():
    site = StudySiteFactory(hospital__country="China")
    plan = RegistrationPlanFactory(asset=site.study.asset, mrct_planned="no")
    assert kinds(site.study.asset, "ich-e17-no-mrct") == [MEDIUM_BREACH]
    plan.mrct_planned = "unknown"
    plan.save()
    assert kinds(site.study.asset, "ich-e17-no-mrct") == [OPEN_ITEM_OF_MEDIUM]
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


def test_overpayment_trap_without_deal_terms_is_an_open_item():
    asset = StudyFactory(sponsor_type="iit").asset
    assert kinds(asset, "overpayment-trap") == [OPEN_ITEM_OF_HIGH]
    MilestoneFactory(deal=DealTermsFactory(asset=asset, upfront=Decimal("5000000")), amount=Decimal("95000000"))
    assert raised(asset, "overpayment-trap") == []


def test_overpayment_trap_not_raised_with_registration_grade_evidence():
    asset = StudyFactory(sponsor_type="industry").asset
    DealTermsFactory(asset=asset, upfront=Decimal("500000000"))
    assert raised(asset, "overpayment-trap") == []


def test_house_policy_defaults_are_the_standing_values():
    policy = HousePolicy.current()
    assert policy.pk == 1 and not HousePolicy.objects.exists()  # read without writing
    assert (policy.max_upfront_share, policy.max_upfront_usd) == (Decimal("0.100"), Decimal("80000000"))
    assert (policy.min_response_rate_patients, policy.min_median_follow_up_months) == (20, Decimal("6"))


def test_overpayment_limits_are_house_policy_and_say_so():
    asset = StudyFactory(sponsor_type="iit").asset
    deal = DealTermsFactory(asset=asset, upfront=Decimal("150000000"))
    MilestoneFactory(deal=deal, amount=Decimal("850000000"))
    found = raised(asset, "overpayment-trap")
    assert len(found) == 1 and "house policy: at most 10 % of the deal value and USD 80M" in found[0].message
    house_policy_save(
        policy=HousePolicy(max_upfront_share=Decimal("0.5"), max_upfront_usd=Decimal("200000000")), user=None
    )
    assert raised(asset, "overpayment-trap") == []


def test_efficacy_thresholds_are_house_policy():
    claim = EfficacyClaimFactory(patients=15, median_follow_up_months=Decimal("7"), unit="%")
    found = raised(claim.study.asset, "efficacy-claim-hygiene")
    assert len(found) == 1 and "n=15 (house policy: at least 20)" in found[0].message
    house_policy_save(policy=HousePolicy(min_response_rate_patients=15), user=None)
    assert raised(claim.study.asset, "efficacy-claim-hygiene") == []
    assert "20" not in RULES["efficacy-claim-hygiene"].title  # no threshold baked into the words


@pytest.mark.parametrize(("direction", "expected"), [("in", [HIGH_BREACH]), ("out", [("info", "breach")])])
def test_overpayment_trap_is_the_buyers_an_out_licensor_gets_information_only(direction, expected):
    asset = StudyFactory(sponsor_type="iit").asset
    MilestoneFactory(deal=DealTermsFactory(asset=asset, direction=direction, upfront=Decimal("200000000")))
    assert kinds(asset, "overpayment-trap") == expected
    if direction == "out":
        assert "for information only" in raised(asset, "overpayment-trap")[0].message


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("0.130000", []), ("0.140000", [HIGH_BREACH]), (None, [OPEN_ITEM_OF_HIGH])],
)
def test_overpayment_trap_compares_a_cny_upfront_in_usd_at_the_recorded_rate(rate, expected):
    # CNY 600M upfront of a CNY 10B deal: 6 % (within the share), so only its USD value can breach the USD 80M.
    asset = StudyFactory(sponsor_type="iit").asset
    deal = DealTermsFactory(
        asset=asset, currency="CNY", upfront=Decimal("600000000"), usd_rate=Decimal(rate) if rate else None
    )
    MilestoneFactory(deal=deal, amount=Decimal("9400000000"))
    assert kinds(asset, "overpayment-trap") == expected
    if rate == "0.140000":
        assert "USD 84,000,000 at the recorded rate 0.140000" in raised(asset, "overpayment-trap")[0].message


@pytest.mark.parametrize(("first_dose", "count"), [(D(2026, 7, 13), 0), (D(2026, 7, 14), 1), (None, 1)])
def test_nmpa86_first_dose_window(first_dose, count):
    ind = INDApplicationFactory(cleared_on=D(2026, 4, 20), first_dose_on=first_dose)
    assert len([r for r in raised(ind.asset, "nmpa86-timeline") if "first-dose" in r.subject]) == count


def test_a_standard_nmpa_ind_is_not_held_to_the_nmpa86_clocks():
    late = {"accepted_on": D(2026, 3, 6), "cleared_on": D(2026, 6, 30), "first_dose_on": None}
    on_86 = INDApplicationFactory(pathway="thirty_working_day", **late)
    assert {r.subject.split(":")[-1] for r in raised(on_86.asset, "nmpa86-timeline")} == {"nmpa-review", "first-dose"}
    standard = INDApplicationFactory(pathway="standard", **late)
    assert raised(standard.asset, "nmpa86-timeline") == []
    assert ind_deadlines(standard) == []  # nor does the page show a clock for it


def test_the_nmpa86_citation_extends_the_review_not_the_acceptance():
    text = CITATIONS["NMPA-86"]
    assert "review in 30 working days (extendable to 60 for complex cases)" in text
    assert "acceptance in 5 working days, extendable" not in text


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


def test_an_empty_asset_raises_only_the_open_item_that_no_study_is_on_record():
    asset = AssetFactory()
    assert [rule_id for rule_id in RULES if raised(asset, rule_id)] == ["iit-grade-evidence"]


def test_the_readme_rules_table_lists_every_rule():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Rules") :]
    for rule_id in RULES:
        assert f"(`{rule_id}`)" in table, rule_id


def test_hgr_rules_only_for_studies_that_may_hold_chinese_genetic_resources():
    abroad = StudySiteFactory(hospital__country="Israel", hospital__city="Jerusalem").study
    EvidenceQualityFactory(study=abroad, data_sent_abroad="yes", foreign_party_involved="unknown")
    assert raised(abroad.asset, "hgr-outbound-data") == raised(abroad.asset, "hgr-foreign-use") == []
    StudySiteFactory(study=abroad, hospital__country="China")
    assert kinds(abroad.asset, "hgr-outbound-data") == [HIGH_BREACH]
    assert kinds(abroad.asset, "hgr-foreign-use") == [OPEN_ITEM_OF_HIGH]


# --- regulations' scope: tracks, Chinese hospitals, MRCT regions, data sharing -------------------------------------


VERIFIED_SECONDARY: dict[str, Any] = {"grade": "secondary", "grade_verified": True, "grade_verified_on": D(2026, 1, 1)}


def test_order_818_governs_the_nhc_track_not_a_registration_trial_under_an_nmpa_ind():
    iit = grade_case(D(2026, 6, 1), **VERIFIED_SECONDARY)
    assert kinds(iit, "order818-site-grade") == [HIGH_BREACH]
    registration = grade_case(D(2026, 6, 1), **VERIFIED_SECONDARY)
    registration.studies.update(sponsor_type="industry")
    INDApplicationFactory(asset=registration, authority="nmpa")
    assert raised(registration, "order818-site-grade") == []
    assert raised(registration, "order818-nhc-filing") == []


def test_an_industry_study_without_an_nmpa_ind_is_possibly_under_order_818_an_open_item():
    asset = grade_case(D(2026, 6, 1), grade="secondary", grade_verified=True, grade_verified_on=D(2026, 1, 1))
    asset.studies.update(sponsor_type="industry")
    assert kinds(asset, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]
    assert "company-initiated study under Order 818" in raised(asset, "order818-site-grade")[0].message


def test_a_recorded_track_overrides_the_derived_one_both_ways():
    # Industry-sponsored with no NMPA IND on record: derived, only possibly under Order 818.
    recorded_nmpa = grade_case(D(2026, 6, 1), **VERIFIED_SECONDARY)
    recorded_nmpa.studies.update(sponsor_type="industry")
    assert kinds(recorded_nmpa, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]
    recorded_nmpa.studies.update(track="nmpa", track_reason="NMPA IND approval letter in the data room")
    assert raised(recorded_nmpa, "order818-site-grade") == []
    # Sponsor type unknown: derived, possibly under Order 818; recorded as the NHC track, certainly so.
    recorded_nhc = grade_case(D(2026, 6, 1), **VERIFIED_SECONDARY)
    recorded_nhc.studies.update(sponsor_type="unknown")
    assert kinds(recorded_nhc, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]
    recorded_nhc.studies.update(track="nhc", track_reason="hospital ethics filing names the investigator as sponsor")
    assert kinds(recorded_nhc, "order818-site-grade") == [HIGH_BREACH]


def test_a_recorded_track_must_say_what_it_rests_on():
    study = StudyFactory(track="nmpa", track_reason=" ")
    with pytest.raises(ValidationError) as refused:
        study.full_clean()
    assert "track_reason" in refused.value.message_dict
    study.track_reason = "IND letter"
    study.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.filter(pk=study.pk).update(track_reason="")


def test_order_818_does_not_reach_a_hospital_outside_china():
    abroad = grade_case(D(2026, 6, 1), grade="secondary", country="United States", city="Boston")
    assert raised(abroad, "order818-site-grade") == []
    at_home = grade_case(D(2026, 6, 1), grade="secondary", country="China")
    assert kinds(at_home, "order818-site-grade") == [OPEN_ITEM_OF_HIGH]


@pytest.mark.parametrize(
    ("regions", "expected"),
    [
        ("US, EU, China", []),
        ("China", [MEDIUM_BREACH]),
        ("US; EU", [MEDIUM_BREACH]),
        ("", [OPEN_ITEM_OF_MEDIUM]),
    ],
)
def test_an_mrct_needs_chinese_and_ex_china_regions(regions, expected):
    site = StudySiteFactory(hospital__country="China")
    RegistrationPlanFactory(asset=site.study.asset, mrct_planned="yes", mrct_regions=regions)
    assert kinds(site.study.asset, "ich-e17-no-mrct") == expected


@pytest.mark.parametrize(
    ("direction", "clause", "expected"),
    [
        ("in", "yes", []),
        ("in", "no", [MEDIUM_BREACH]),
        ("in", "unknown", [OPEN_ITEM_OF_MEDIUM]),
        ("out", "no", []),
    ],
)
def test_technical_data_sharing_clause_when_in_licensing_iit_data(direction, clause, expected):
    asset = StudyFactory(sponsor_type="iit").asset
    DealTermsFactory(asset=asset, direction=direction, technical_data_sharing=clause)
    assert kinds(asset, "technical-data-sharing") == expected


# --- rules DOMAIN's deal structure and 21 CFR 312.120 imply -----------------------------------------------------


@pytest.mark.parametrize(
    ("documented", "expected"), [("yes", []), ("no", [HIGH_BREACH]), ("unknown", [OPEN_ITEM_OF_HIGH])]
)
def test_312_120_documented_consent(documented, expected):
    approval = EthicsApprovalFactory(consent_documented=documented)
    assert kinds(approval.study_site.study.asset, "cfr312-documented-consent") == expected


def test_312_120_documented_consent_not_asked_when_the_plan_does_not_target_the_us():
    approval = EthicsApprovalFactory(consent_documented="no")
    RegistrationPlanFactory(asset=approval.study_site.study.asset, target_markets=["CN"])
    assert raised(approval.study_site.study.asset, "cfr312-documented-consent") == []


def test_regeneration_cost_and_time_are_an_open_item_until_estimated_when_the_iit_is_the_only_evidence():
    study = StudyFactory(sponsor_type="iit")
    assert kinds(study.asset, "regeneration-estimate") == [OPEN_ITEM_OF_MEDIUM]
    plan = RegistrationPlanFactory(asset=study.asset, regeneration_cost_usd=Decimal("120000000"))
    assert kinds(study.asset, "regeneration-estimate") == [OPEN_ITEM_OF_MEDIUM]
    assert "time to re-generate" in raised(study.asset, "regeneration-estimate")[0].message
    plan.regeneration_months = 36
    plan.save()
    assert kinds(study.asset, "regeneration-estimate") == [("info", "breach")]
    assert "USD 120,000,000 over 36 months" in raised(study.asset, "regeneration-estimate")[0].message
    StudyFactory(asset=study.asset, sponsor_type="industry")  # no longer the only evidence
    assert raised(study.asset, "regeneration-estimate") == []


def test_milestones_must_reward_us_ind_clearance_and_confirmatory_data():
    asset = StudyFactory(sponsor_type="iit").asset
    deal = DealTermsFactory(asset=asset, direction="in")
    MilestoneFactory(deal=deal, event="NMPA approval", rewards="nmpa_approval")
    found = raised(asset, "milestones-reward-evidence")
    assert kinds(asset, "milestones-reward-evidence") == [MEDIUM_BREACH]
    assert "US IND clearance or confirmatory data" in found[0].message
    unclassified = MilestoneFactory(deal=deal, event="Milestone A", rewards="")
    assert kinds(asset, "milestones-reward-evidence") == [OPEN_ITEM_OF_MEDIUM]
    unclassified.rewards = "us_ind_clearance"
    unclassified.save()
    MilestoneFactory(deal=deal, event="Pivotal readout", rewards="confirmatory_data")
    assert raised(asset, "milestones-reward-evidence") == []


def test_milestones_rule_is_the_buyers():
    asset = StudyFactory(sponsor_type="iit").asset
    MilestoneFactory(deal=DealTermsFactory(asset=asset, direction="out"), rewards="sales")
    assert raised(asset, "milestones-reward-evidence") == []


@pytest.mark.parametrize(
    ("sponsor_type", "initiator", "expected"),
    [
        ("iit", "", []),  # an IIT is the institution's
        ("industry", "foreign_china_entity", []),
        ("industry", "chinese_company", []),
        ("industry", "foreign_direct", [OPEN_ITEM_OF_HIGH]),  # no NMPA IND: only possibly under Order 818
        ("industry", "", [OPEN_ITEM_OF_HIGH]),
    ],
)
def test_order_818_sponsor_rule_is_a_recorded_checked_fact(sponsor_type, initiator, expected):
    study = StudyFactory(
        start_date=D(2026, 6, 1), asset__modality="car_t", sponsor_type=sponsor_type, initiator=initiator
    )
    assert kinds(study.asset, "order818-initiator") == expected


def test_a_foreign_company_initiating_directly_is_a_breach_on_the_nhc_track():
    study = StudyFactory(
        start_date=D(2026, 6, 1), asset__modality="car_t", sponsor_type="iit_company_funded", initiator="foreign_direct"
    )
    assert kinds(study.asset, "order818-initiator") == [HIGH_BREACH]
    before = StudyFactory(
        start_date=D(2026, 4, 30),
        asset__modality="car_t",
        sponsor_type="iit_company_funded",
        initiator="foreign_direct",
    )
    assert raised(before.asset, "order818-initiator") == []  # before Order 818 took force


@pytest.mark.parametrize(
    ("sent", "filing", "expected"),
    [
        ("yes", None, [HIGH_BREACH]),
        ("yes", "material_export_approval", []),
        ("no", None, []),
        ("unknown", None, [OPEN_ITEM_OF_HIGH]),
    ],
)
def test_samples_sent_abroad_need_an_export_approval(sent, filing, expected):
    evidence = EvidenceQualityFactory(samples_sent_abroad=sent)
    if filing:
        HGRFilingFactory(study=evidence.study, kind=filing, status="approved")
    assert kinds(evidence.study.asset, "hgr-sample-export") == expected

"""Demo assets built on the public reference cases: LCAR-B38M (LEGEND-2) and CARsgen CT053.

What the public record states is entered as fact; everything else (site enrolment, dates, response rates, milestones)
is illustrative and says so in the asset's notes, the study's provenance or the claim's source note.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assets.models import DatePrecision, TriState
from assets.models.common import Phase
from assets.models.deals import DealTermsDirection, MilestoneKind, MilestoneRewards, RegistrationPlanMarket
from assets.models.filings import HGRFilingKind, HGRFilingStatus
from assets.models.hospitals import HospitalGrade, StudySiteRole
from assets.models.studies import StudySponsorType, StudyStatus
from config.demo.facts.specs import AssetSpec, CompanySpec, DealSpec, HospitalSpec, SiteSpec, StudySpec, milestone

Grade = HospitalGrade
Market = RegistrationPlanMarket
Role = StudySiteRole


def grade_a_tertiary(name_zh: str, province: str) -> dict[str, object]:
    """A Grade A tertiary hospital as the directory first records it: the grade not yet verified by the team."""
    return {"name_zh": name_zh, "province": province, "grade": Grade.GRADE_A_TERTIARY}


XIAN_SECOND = HospitalSpec(
    "Second Affiliated Hospital of Xi'an Jiaotong University",
    "Xi'an",
    {
        **grade_a_tertiary("西安交通大学第二附属医院", "Shaanxi"),
        "grade_verified": True,
        "grade_verified_on": dt.date(2026, 1, 15),  # illustrative verification date
    },
)
RUIJIN = HospitalSpec(
    "Ruijin Hospital, Shanghai Jiao Tong University School of Medicine",
    "Shanghai",
    grade_a_tertiary("上海交通大学医学院附属瑞金医院", "Shanghai"),
)
CHANGZHENG = HospitalSpec("Changzheng Hospital", "Shanghai", grade_a_tertiary("上海长征医院", "Shanghai"))
JIANGSU_PROVINCE = HospitalSpec("Jiangsu Province Hospital", "Nanjing", grade_a_tertiary("江苏省人民医院", "Jiangsu"))
ZHEJIANG_FIRST = HospitalSpec(
    "First Affiliated Hospital, Zhejiang University School of Medicine",
    "Hangzhou",
    grade_a_tertiary("浙江大学医学院附属第一医院", "Zhejiang"),
)

IIT_GRADE_EVIDENCE: dict[str, object] = {
    "gcp_compliant": TriState.UNKNOWN,
    "gcp_note": "IIT-grade evidence: no GCP compliance statement seen yet.",
    "independently_monitored": TriState.UNKNOWN,
    "source_records_accessible": TriState.UNKNOWN,
    "foreign_party_involved": TriState.UNKNOWN,
    "data_sent_abroad": TriState.UNKNOWN,
    "institution_assignment": TriState.UNKNOWN,
    "investigator_assignment": TriState.UNKNOWN,
}

HGR_COLLECTION_APPROVAL: dict[str, object] = {
    "kind": HGRFilingKind.COLLECTION_APPROVAL,
    "status": HGRFilingStatus.APPROVED,
    "covers_samples": True,
    "covers_data": True,
}


def ethics(approved_on: dt.date) -> dict[str, object]:
    """An illustrative site approval whose consent covers commercial use; cross-border transfer not yet established."""
    return {
        "approval_date": approved_on,
        "protocol_version": "1.0 (illustrative)",
        "consent_commercial_use": TriState.YES,
        "consent_cross_border": TriState.UNKNOWN,
    }


def site(
    hospital: HospitalSpec, enrolled: int, activated: dt.date, first_enrolled: dt.date, **facts: object
) -> SiteSpec:
    """A site whose ethics approval (illustrative) came two weeks before activation."""
    return SiteSpec(
        hospital,
        {"enrollment": enrolled, "activation_date": activated, "first_enrolled_on": first_enrolled, **facts},
        (ethics(activated - dt.timedelta(days=14)),),
    )


LEGEND_2 = StudySpec(
    facts={
        "nct_id": "NCT03090659",
        "acronym": "LEGEND-2",
        "title": "LEGEND-2: LCAR-B38M CAR-T cells in relapsed/refractory multiple myeloma",
        "phase": Phase.PHASE_1,
        "sponsor_type": StudySponsorType.IIT,
        "sponsor_type_reason": "lead sponsor is a hospital",
        "sponsor_name": XIAN_SECOND.name_en,
        "start_date": dt.date(2016, 3, 1),
        "start_date_precision": DatePrecision.MONTH,
        "actual_enrollment": 74,
        "countries": ["China"],
        "provenance": (
            "Public record: NCT id, four sites in China, lead site and PIs. Illustrative: start month, "
            "enrolment, participating-site details, ethics and HGR dates."
        ),
    },
    sites=(
        site(
            XIAN_SECOND,
            57,
            dt.date(2016, 3, 1),
            dt.date(2016, 3, 14),
            role=Role.LEAD,
            principal_investigator="Wang-Gang Zhang; Ai-Li He",
        ),
        site(RUIJIN, 8, dt.date(2017, 3, 1), dt.date(2017, 3, 20)),
        site(CHANGZHENG, 5, dt.date(2017, 4, 3), dt.date(2017, 4, 24)),
        site(JIANGSU_PROVINCE, 4, dt.date(2017, 5, 2), dt.date(2017, 5, 22)),
    ),
    evidence={
        **IIT_GRADE_EVIDENCE,
        "data_sent_abroad_note": "Janssen partnership from 2017-12: whether IIT data went abroad, and under which "
        "HGR filing, is not yet established.",
    },
    efficacy_claims=(
        {
            "endpoint": "ORR",
            "value": Decimal("88.00"),
            "unit": "%",
            "patients": 57,
            "median_follow_up_months": Decimal("8.0"),
            "source_note": "Illustrative values for the Xi'an cohort; reconcile to the publication and source.",
        },
    ),
    hgr_filings=(HGR_COLLECTION_APPROVAL,),
)

LCAR_B38M = AssetSpec(
    code="LCAR-B38M",
    originator=CompanySpec("Legend Biotech", "China"),
    facts={
        "name": "LCAR-B38M (cilta-cel)",
        "inn_name": "ciltacabtagene autoleucel",
        "modality": "car_t",
        "target": "BCMA",
        "indications": "Relapsed/refractory multiple myeloma",
        "highest_phase_china": Phase.APPROVED,
        "highest_phase_us": Phase.APPROVED,
        "notes": (
            "Public reference case: the same CAR construct as cilta-cel (Carvykti); first-in-human "
            "data from the LEGEND-2 IIT; partnered with Janssen (Johnson & Johnson); approved globally.\n"
            "Illustrative (beyond the public facts this demo rests on): participating-site enrolment and dates, ethics "
            "and HGR details, the ORR value and follow-up, the hospital grade-verification date, the originator's and "
            "the counterparty's countries, the deal's upfront, signing day and milestones, and the registration plan."
        ),
    },
    studies=(LEGEND_2,),
    deal=DealSpec(
        facts={
            "direction": DealTermsDirection.OUT_LICENSING,
            "counterparty": "Janssen Biotech, Inc. (Johnson & Johnson)",
            "territory": "worldwide ex-Greater China",
            "currency": "USD",
            "upfront": Decimal("350000000.00"),
            "signed_on": dt.date(2017, 12, 21),  # publicly December 2017; the day is illustrative
        },
        milestones=(
            milestone(
                "US pivotal study first patient dosed (illustrative)",
                MilestoneKind.DEVELOPMENT,
                "50000000.00",
                MilestoneRewards.CONFIRMATORY_DATA,
            ),
            milestone(
                "US approval (illustrative)",
                MilestoneKind.REGULATORY,
                "100000000.00",
                MilestoneRewards.OTHER_REGULATORY,
            ),
            milestone(
                "First USD 1B annual net sales (illustrative)",
                MilestoneKind.SALES,
                "150000000.00",
                MilestoneRewards.SALES,
            ),
        ),
    ),
    registration_plan={
        "target_markets": [Market.US, Market.CN, Market.EU],
        "us_filing_relies_on_iit": TriState.NO,
        "mrct_planned": TriState.YES,
        "mrct_regions": "US, EU, Japan, China",
        "notes": "CARTITUDE program as the registration path; LEGEND-2 treated as supportive only.",
    },
)

CT053_IIT = StudySpec(
    facts={
        "acronym": "CT053 IIT",
        "title": "Investigator-initiated phase 1 of fully human anti-BCMA CAR-T CT053 in relapsed/refractory myeloma",
        "phase": Phase.PHASE_1,
        "status": StudyStatus.COMPLETED,
        "sponsor_type": StudySponsorType.IIT,
        "sponsor_type_reason": "investigator-initiated at the hospital sites",
        "sponsor_name": CHANGZHENG.name_en,
        "start_date": dt.date(2018, 3, 1),
        "start_date_precision": DatePrecision.MONTH,
        "actual_enrollment": 24,
        "countries": ["China"],
        "provenance": (
            "Public record: investigator-initiated phase 1 in eastern China. Illustrative: registry id (left "
            "blank), sites, dates, enrolment and the response rate."
        ),
    },
    sites=(
        site(CHANGZHENG, 16, dt.date(2018, 3, 1), dt.date(2018, 3, 19), role=Role.LEAD),
        site(ZHEJIANG_FIRST, 8, dt.date(2018, 6, 1), dt.date(2018, 6, 25)),
    ),
    evidence=IIT_GRADE_EVIDENCE,
    efficacy_claims=(
        {
            "endpoint": "ORR",
            "value": Decimal("87.50"),
            "patients": 24,
            "median_follow_up_months": Decimal("9.0"),
            "source_note": "Illustrative values; not taken from a CT053 publication.",
        },
    ),
    hgr_filings=(HGR_COLLECTION_APPROVAL,),
)

CT053 = AssetSpec(
    code="CT053",
    originator=CompanySpec("CARsgen Therapeutics", "China"),
    facts={
        "name": "CT053 (zevor-cel)",
        # The WHO INN spelling ("zevorcabtagene", as in CARsgen's own announcements), not "zevoracabtagene".
        "inn_name": "zevorcabtagene autoleucel",
        "modality": "car_t",
        "target": "BCMA",
        "indications": "Relapsed/refractory multiple myeloma",
        "highest_phase_china": Phase.APPROVED,
        "highest_phase_us": Phase.PHASE_1_2,
        "notes": (
            "Public reference case: fully human anti-BCMA CAR-T, first studied in investigator-initiated "
            "phase 1 work in eastern China, later approved by NMPA.\n"
            "Illustrative (beyond the public facts this demo rests on): the originator's country, the US phase, the "
            "IIT's sites, dates, enrolment and response rate."
        ),
    },
    studies=(CT053_IIT,),
)

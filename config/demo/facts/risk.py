"""DEMO-RISK: a synthetic CAR-T asset whose facts trip every diligence rule. Nothing here is real.

Two IITs at fictional hospitals, so the timeline holds together: the first-in-human IIT (started before
[ORDER-818] took effect) produced the 83.3 % ORR; the expansion IIT started after 2026-05-01 and carries the
Order 818 problems (non-verified, non-Grade-A site; NHC filing on the 6th working day, across National Day 2026).
Both carry the same evidence, consent, HGR and ownership problems.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assets.models import DatePrecision, TriState
from assets.models.common import Phase
from assets.models.deals import DealTermsDirection, MilestoneKind, MilestoneRewards, RegistrationPlanMarket
from assets.models.filings import HGRFilingKind, HGRFilingStatus, INDApplicationAuthority, INDApplicationPathway
from assets.models.hospitals import HospitalGrade, StudySiteRole
from assets.models.studies import StudySponsorType, StudyStatus
from config.demo.facts.specs import AssetSpec, CompanySpec, DealSpec, HospitalSpec, SiteSpec, StudySpec, milestone

SYNTHETIC = "Synthetic demo data: invented to trip the diligence rules; not a real study, hospital or company."
LICENSOR = "Yunshan CellTech Co., Ltd. (fictional)"
FOREIGN_PARTY = "Westbridge Therapeutics Inc. (US)"

SYNTHETIC_HOSPITAL = "Synthetic demo data: a fictional hospital"  # as the shipped directory file says it

# [ORDER-818] only verified Grade A tertiary hospitals may host; these are neither.
COUNTY_HOSPITAL = HospitalSpec(
    "Yunshan County People's Hospital (fictional)",
    "Yunshan",
    {
        "name_zh": "云山县人民医院（虚构）",
        "province": "Jiangxi",
        "grade": HospitalGrade.SECONDARY,
        "grade_source": SYNTHETIC_HOSPITAL,
    },
)
RIVERSIDE_HOSPITAL = HospitalSpec(
    "Ganjiang Riverside Hospital (fictional)",
    "Yunshan",
    {
        "name_zh": "赣江滨江医院（虚构）",
        "province": "Jiangxi",
        "grade": HospitalGrade.TERTIARY_OTHER,
        "grade_source": SYNTHETIC_HOSPITAL,
    },
)

# Data integrity, HGR and ownership problems shared by both studies.
RISKY_EVIDENCE: dict[str, object] = {
    "gcp_compliant": TriState.NO,
    "gcp_note": "No GCP compliance statement; county-hospital IIT (synthetic).",
    "independently_monitored": TriState.NO,
    "monitoring_note": "Investigator self-monitoring only (synthetic).",
    "source_records_accessible": TriState.UNKNOWN,
    "foreign_party_involved": TriState.YES,
    "foreign_party": FOREIGN_PARTY,
    "data_sent_abroad": TriState.YES,
    "data_sent_abroad_note": "Patient-level data sent to Westbridge in the US for analysis (synthetic).",
    "institution_assignment": TriState.NO,
    "investigator_assignment": TriState.NO,
}

# [HGR-2024] a collection approval only: no international cooperation approval or filing, no outbound data filing.
COLLECTION_ONLY = (
    {
        "kind": HGRFilingKind.COLLECTION_APPROVAL,
        "status": HGRFilingStatus.APPROVED,
        "covers_samples": True,
        "covers_data": True,
    },
)


def consent_gap(approved_on: dt.date) -> dict[str, object]:
    """An ethics approval whose consent does not cover cross-border transfer and is silent on commercial use."""
    return {
        "approval_date": approved_on,
        "reference_number": "DEMO-EC (synthetic)",
        "consent_commercial_use": TriState.UNKNOWN,
        "consent_cross_border": TriState.NO,
        "consent_future_research": TriState.UNKNOWN,
    }


def iit_facts(**facts: object) -> dict[str, object]:
    return {
        "sponsor_type": StudySponsorType.IIT,
        "sponsor_type_reason": "lead sponsor is a hospital (synthetic)",
        "sponsor_name": COUNTY_HOSPITAL.name_en,
        "countries": ["China"],
        "provenance": SYNTHETIC,
        **facts,
    }


FIRST_IN_HUMAN = StudySpec(
    facts=iit_facts(
        acronym="DEMO-RISK-1",
        title="Demo risk CAR-T first-in-human investigator-initiated trial (synthetic)",
        phase=Phase.EARLY_PHASE_1,
        status=StudyStatus.ACTIVE_NOT_RECRUITING,
        start_date=dt.date(2025, 9, 1),
        start_date_precision=DatePrecision.MONTH,
        first_patient_dosed_on=dt.date(2025, 11, 10),
        actual_enrollment=12,
        data_cutoff_on=dt.date(2026, 6, 30),
    ),
    sites=(
        SiteSpec(
            COUNTY_HOSPITAL,
            {
                "role": StudySiteRole.LEAD,
                "principal_investigator": "Dr. Demo Investigator (fictional)",
                "enrollment": 12,
                "activation_date": dt.date(2025, 10, 20),
                "first_enrolled_on": dt.date(2025, 10, 27),
            },
            (consent_gap(dt.date(2025, 8, 15)),),
        ),
    ),
    evidence=RISKY_EVIDENCE,
    # Small n and short follow-up for a CAR-T response claim.
    efficacy_claims=(
        {
            "endpoint": "ORR",
            "value": Decimal("83.3"),
            "unit": "%",
            "patients": 12,
            "median_follow_up_months": Decimal("4.5"),
            "source_note": "Synthetic: investigator slide deck, data cut-off 2026-06-30 (invented).",
        },
    ),
    hgr_filings=COLLECTION_ONLY,
)

EXPANSION = StudySpec(
    facts=iit_facts(
        acronym="DEMO-RISK-2",
        title="Demo risk CAR-T expansion investigator-initiated trial (synthetic)",
        phase=Phase.PHASE_1,
        status=StudyStatus.RECRUITING,
        start_date=dt.date(2026, 10, 20),  # after [ORDER-818] took effect on 2026-05-01
        first_patient_dosed_on=dt.date(2026, 10, 28),
        planned_enrollment=30,
    ),
    sites=(
        SiteSpec(
            COUNTY_HOSPITAL,
            {
                "role": StudySiteRole.LEAD,
                "principal_investigator": "Dr. Demo Investigator (fictional)",
                "enrollment": 3,
                "activation_date": dt.date(2026, 10, 20),
                "first_enrolled_on": dt.date(2026, 10, 26),
            },
            (consent_gap(dt.date(2026, 9, 28)),),
        ),
        # Enrolled on 2026-11-04, ethics approval only on 2026-11-12.
        SiteSpec(
            RIVERSIDE_HOSPITAL,
            {"enrollment": 1, "activation_date": dt.date(2026, 11, 2), "first_enrolled_on": dt.date(2026, 11, 4)},
            (consent_gap(dt.date(2026, 11, 12)),),
        ),
    ),
    evidence=RISKY_EVIDENCE,
    hgr_filings=COLLECTION_ONLY,
    # Reviews complete Mon 2026-09-28; due on the 5th working day (Sat 2026-10-10, a make-up day); filed on the 6th.
    nhc_filings=(
        {
            "academic_review_on": dt.date(2026, 9, 25),
            "ethics_approved_on": dt.date(2026, 9, 28),
            "filed_on": dt.date(2026, 10, 12),
            "filing_number": "NHC-DEMO-2026-001 (synthetic)",
        },
    ),
)

# [NMPA-86] cleared 50 working days after acceptance (target 30, not extended); no first Chinese dose since.
NMPA_IND = {
    "authority": INDApplicationAuthority.NMPA,
    "number": "DEMO-IND-001 (synthetic)",
    "pathway": INDApplicationPathway.THIRTY_DAY,
    "submitted_on": dt.date(2026, 3, 2),
    "accepted_on": dt.date(2026, 3, 6),
    "cleared_on": dt.date(2026, 5, 20),
}

# The overpayment trap: USD 150M upfront (15 % of USD 1B total, above the USD 50-80M norm) for IIT-only evidence.
OVERPRICED_DEAL = DealSpec(
    facts={
        "direction": DealTermsDirection.IN_LICENSING,
        "counterparty": LICENSOR,
        "territory": "worldwide ex-Greater China",
        "currency": "USD",
        "upfront": Decimal("150000000.00"),
        "technical_data_sharing": TriState.NO,
    },
    milestones=(
        # No milestone rewards confirmatory data: value rides on approvals and sales instead.
        milestone(
            "US IND clearance (synthetic)", MilestoneKind.REGULATORY, "50000000.00", MilestoneRewards.US_IND_CLEARANCE
        ),
        milestone("NMPA approval (synthetic)", MilestoneKind.REGULATORY, "50000000.00", MilestoneRewards.NMPA_APPROVAL),
        milestone(
            "FDA approval (synthetic)", MilestoneKind.REGULATORY, "150000000.00", MilestoneRewards.OTHER_REGULATORY
        ),
        milestone(
            "First USD 500M annual net sales (synthetic)", MilestoneKind.SALES, "250000000.00", MilestoneRewards.SALES
        ),
        milestone(
            "First USD 1B annual net sales (synthetic)", MilestoneKind.SALES, "350000000.00", MilestoneRewards.SALES
        ),
    ),
)

DEMO_RISK = AssetSpec(
    code="DEMO-RISK",
    originator=CompanySpec(LICENSOR, "China"),
    facts={
        "name": "Demo risk CAR-T",
        "modality": "car_t",
        "target": "CD19",
        "indications": "Relapsed/refractory B-cell lymphoma (synthetic)",
        "highest_phase_china": Phase.PHASE_1,
        "highest_phase_us": Phase.PRECLINICAL,
        "notes": (
            "SYNTHETIC demo asset: every fact (studies, hospitals, filings, deal, licensor) is invented so that each "
            "diligence rule has something to find. Not a real product."
        ),
    },
    studies=(FIRST_IN_HUMAN, EXPANSION),
    ind_applications=(NMPA_IND,),
    deal=OVERPRICED_DEAL,
    registration_plan={
        "target_markets": [RegistrationPlanMarket.US, RegistrationPlanMarket.CN],
        "us_filing_relies_on_iit": TriState.YES,
        "mrct_planned": TriState.NO,
        "planned_us_ind_on": dt.date(2027, 3, 1),
        "notes": "Synthetic: the US filing is planned on the single-country IIT data alone, with no MRCT.",
    },
)

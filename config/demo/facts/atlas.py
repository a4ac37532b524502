"""Team atlas's own illustrative asset: something behind atlas's barrier for phoenix's members not to see."""

from __future__ import annotations

import datetime as dt

from assets.models import DatePrecision, TriState
from assets.models.common import Phase
from assets.models.hospitals import HospitalGrade, StudySiteRole
from assets.models.studies import StudySponsorType, StudyStatus
from config.demo.facts.specs import AssetSpec, CompanySpec, HospitalSpec, SiteSpec, StudySpec

ORIGINATOR = CompanySpec("Atlas Demo Biologics (fictional)", "China")

SYSUCC = HospitalSpec(
    "Sun Yat-sen University Cancer Center",
    "Guangzhou",
    {"name_zh": "中山大学肿瘤防治中心", "province": "Guangdong", "grade": HospitalGrade.GRADE_A_TERTIARY},
)

ATL_101_PHASE_1 = StudySpec(
    facts={
        "acronym": "ATL-101-101",
        "title": "Phase 1 dose escalation of ATL-101 in advanced solid tumours (illustrative)",
        "phase": Phase.PHASE_1,
        "status": StudyStatus.RECRUITING,
        "sponsor_type": StudySponsorType.INDUSTRY,
        "sponsor_type_reason": "lead sponsor is a company (illustrative)",
        "sponsor_name": ORIGINATOR.name,
        "start_date": dt.date(2025, 8, 1),
        "start_date_precision": DatePrecision.MONTH,
        "planned_enrollment": 40,
        "countries": ["China"],
        "provenance": "Illustrative demo data: an invented industry study at a real hospital; no registry id.",
    },
    sites=(
        SiteSpec(
            SYSUCC,
            {
                "role": StudySiteRole.LEAD,
                "enrollment": 9,
                "activation_date": dt.date(2025, 8, 4),
                "first_enrolled_on": dt.date(2025, 8, 25),
            },
            (
                {
                    "approval_date": dt.date(2025, 7, 10),
                    "protocol_version": "1.0 (illustrative)",
                    "consent_commercial_use": TriState.YES,
                    "consent_cross_border": TriState.YES,
                },
            ),
        ),
    ),
    evidence={
        "gcp_compliant": TriState.YES,
        "gcp_note": "Industry study under an NMPA IND (illustrative).",
        "independently_monitored": TriState.YES,
        "source_records_accessible": TriState.UNKNOWN,
    },
)

ATL_101 = AssetSpec(
    code="ATL-101",
    originator=ORIGINATOR,
    facts={
        "name": "ATL-101 PD-1 x VEGF bispecific (illustrative)",
        "modality": "bispecific",
        "target": "PD-1 x VEGF-A",
        "indications": "Advanced non-small cell lung cancer",
        "highest_phase_china": Phase.PHASE_1,
        "highest_phase_us": Phase.PRECLINICAL,
        "notes": "Illustrative demo asset of team atlas: invented, not a real product.",
    },
    studies=(ATL_101_PHASE_1,),
)

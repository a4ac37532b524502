"""The memo's fact tables (studies, evidence, sites, HGR filings, registration plan), read off the asset's dossier.

Everything here is derived from ``dossier_export`` rather than from fresh queries, so the tables can never disagree
with the facts frozen beside them in the snapshot.
"""

from __future__ import annotations

from typing import Any

from assets.models import (
    EthicsApproval,
    HGRFiling,
    Hospital,
    RegistrationPlan,
    Study,
    StudySite,
)
from diligence.memos.display import label, partial_date, tri

Row = dict[str, Any]

# The evidence questions a partner asks of each study, in the order of the diligence questions, with whether a
# "yes" is good news. Foreign involvement and data abroad are neither: they matter through the HGR filings.
EVIDENCE_CRITERIA: list[tuple[str, str, str, bool]] = [
    ("gcp_compliant", "gcp_note", "Conducted under GCP, with a compliance statement", True),
    ("independently_monitored", "monitoring_note", "Independently monitored", True),
    ("source_records_accessible", "source_records_note", "Source records open to an onsite inspection", True),
    ("foreign_party_involved", "foreign_party", "Foreign party involved in samples or data", False),
    ("data_sent_abroad", "data_sent_abroad_note", "Data sent abroad", False),
    ("institution_assignment", "", "Data and IP assigned by the institution", True),
    ("investigator_assignment", "", "Data and IP assigned by the investigator", True),
]


def study_name(study: Row) -> str:
    """How the memo names a study: its acronym, else its registry id, else the start of its title."""
    return study["acronym"] or study_registry_id(study) or study["title"][:60]


def study_registry_id(study: Row) -> str:
    # A snapshot taken before other registries' ids were kept has no such key.
    return study["nct_id"] or study["chictr_id"] or study["ctr_id"] or study.get("other_registry_id", "")


def studies_table(dossier: Row) -> list[Row]:
    return [_study_row(study) for study in dossier["studies"]]


def _study_row(study: Row) -> Row:
    enrolled, planned = study["actual_enrollment"], study["planned_enrollment"]
    return {
        "name": study_name(study),
        "registry_id": study_registry_id(study),
        "title": study["title"],
        "phase": label(Study, "phase", study["phase"]),
        "status": label(Study, "status", study["status"]),
        "sponsor_type": label(Study, "sponsor_type", study["sponsor_type"]),
        "investigator_initiated": study["sponsor_type"] in Study.INVESTIGATOR_INITIATED,
        "sponsor": study["sponsor_name"],
        "funding_company": study["funding_company"] or "",
        "start": partial_date(study["start_date"], study["start_date_precision"]),
        "first_dosed": partial_date(study["first_patient_dosed_on"], study["first_patient_dosed_precision"]),
        "enrollment": f"{enrolled} enrolled" if enrolled is not None else (f"{planned} planned" if planned else ""),
        "countries": ", ".join(study["countries"]),
        "data_cutoff": study["data_cutoff_on"] or "",
        "claims": [_claim(claim) for claim in study["efficacy_claims"]],
        "provenance": study["provenance"],
    }


def _claim(claim: Row) -> str:
    follow_up = claim["median_follow_up_months"]
    detail = f"n={claim['patients']}" + (f", median follow-up {follow_up} months" if follow_up else "")
    return f"{claim['endpoint']} {claim['value']} {claim['unit']} ({detail})"


def evidence_matrix(dossier: Row) -> Row:
    """Criteria down, studies across: two or three IITs compare at a glance, and the table stays one page."""
    studies = dossier["studies"]
    rows = []
    for field, note_field, text, yes_is_good in EVIDENCE_CRITERIA:
        answers = []
        for study in studies:
            evidence = study["evidence"] or {}
            value = evidence.get(field)
            note = evidence.get(note_field, "") if note_field else ""
            answers.append(
                {"answer": tri(value) or "Not recorded", "tone": _tone(value, yes_is_good), "note": note or ""}
            )
        rows.append({"criterion": text, "answers": answers})
    return {"studies": [study_name(s) for s in studies], "rows": rows}


def _tone(value: str | None, yes_is_good: bool) -> str:
    """How the answer is coloured: good, bad, or open (unknown / not recorded); neutral where yes is not good news."""
    if value not in ("yes", "no"):
        return "open"
    if not yes_is_good:
        return "neutral"
    return "good" if value == "yes" else "bad"


def sites_table(dossier: Row) -> list[Row]:
    return [_site_row(study, site) for study in dossier["studies"] for site in study["sites"]]


def _site_row(study: Row, site: Row) -> Row:
    hospital = site["hospital"]
    approvals = site["ethics_approvals"]
    first_enrolled = site["first_enrolled_on"]
    return {
        "study": study_name(study),
        "hospital_en": hospital["name_en"],
        "hospital_zh": hospital["name_zh"],
        "place": ", ".join(part for part in (hospital["city"], hospital["province"]) if part),
        "grade": label(Hospital, "grade", hospital["grade"]),
        "grade_verified": bool(hospital["grade_verified"]),
        "role": label(StudySite, "role", site["role"]),
        "principal_investigator": site["principal_investigator"],
        "enrollment": site["enrollment"],
        "first_enrolled": first_enrolled or "",
        "ethics": [_approval(approval, first_enrolled) for approval in approvals],
    }


def _approval(approval: Row, first_enrolled: str | None) -> Row:
    # ISO dates compare correctly as strings.
    late = bool(first_enrolled) and approval["approval_date"] > first_enrolled
    return {
        "date": approval["approval_date"],
        "committee": approval["committee"],
        "after_first_enrolment": late,
        "commercial_use": label(EthicsApproval, "consent_commercial_use", approval["consent_commercial_use"]),
        "cross_border": label(EthicsApproval, "consent_cross_border", approval["consent_cross_border"]),
    }


def hgr_table(dossier: Row) -> list[Row]:
    return [
        {
            "study": study_name(study),
            "kind": label(HGRFiling, "kind", filing["kind"]),
            "status": label(HGRFiling, "status", filing["status"]),
            "in_force": filing["status"] in HGRFiling.IN_FORCE,
            "reference": filing["reference_number"],
            "decided_on": filing["decided_on"] or "",
            "covers": " and ".join(
                word for word, flag in (("samples", filing["covers_samples"]), ("data", filing["covers_data"])) if flag
            ),
            "foreign_party": filing["foreign_party"],
        }
        for study in dossier["studies"]
        for filing in study["hgr_filings"]
    ]


def registration_plan(dossier: Row) -> Row | None:
    plan = dossier["registration_plan"]
    if plan is None:
        return None
    markets = dict(RegistrationPlan.Market.choices)
    return {
        "target_markets": ", ".join(str(markets.get(m, m)) for m in plan["target_markets"]),
        "us_filing_relies_on_iit": tri(plan["us_filing_relies_on_iit"]),
        "mrct_planned": tri(plan["mrct_planned"]),
        "mrct_regions": plan["mrct_regions"],
        "planned_us_ind_on": plan["planned_us_ind_on"] or "",
        "notes": plan["notes"],
    }


def evidence_is_iit_only(dossier: Row) -> bool:
    """The same test the overpayment rule applies: there are studies and every one is investigator-initiated."""
    studies = dossier["studies"]
    return bool(studies) and all(s["sponsor_type"] in Study.INVESTIGATOR_INITIATED for s in studies)

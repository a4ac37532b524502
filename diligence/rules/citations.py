"""What each citation id stands for, in one line: findings cite these, memos list them."""

from __future__ import annotations

CITATIONS: dict[str, str] = {
    "HGR-2024": (
        "Administrative Regulations on Human Genetic Resources (revised, effective 2024-05-01; NHC oversight): "
        "foreign parties need a Chinese partner and, in defined cases, approval to collect, store or export "
        "Chinese human genetic material or data."
    ),
    "ORDER-818": (
        "State Council Order No. 818 (in force 2026-05-01): new biomedical technology studies only at Grade A "
        "tertiary hospitals, filed with the NHC within 5 working days after academic and ethics review."
    ),
    "NMPA-86": (
        "NMPA Announcement [2025] No. 86: on its pathway, eligible Class 1 innovative drugs get an acceptance decision "
        "in 5 working days and a substantive IND review in 30 working days (extendable to 60 for complex cases); "
        "the applicant doses the first Chinese subject within 12 weeks of clearance."
    ),
    "CFR-312.120": (
        "21 CFR 312.120: a foreign study not under a US IND supports an IND, NDA or BLA only if run under GCP "
        "(independent ethics review, documented consent) and the FDA can validate the data, in practice by an "
        "onsite inspection."
    ),
    "ICH-E17": (
        "ICH E17: multi-regional clinical trials with Chinese and ex-China sites and pre-specified regional "
        "subgroups; the FDA has declined approvals based on single-country Chinese data."
    ),
    "US-APPROP": (
        "US House appropriations report language seeking to bar FDA from accepting data from sites in China: "
        "a watch item, not a rule."
    ),
    "DEAL-DATA-SHARING": (
        "Technical data-sharing clause (deal practice, not a regulation): the Western partner may use the China "
        "Phase 1 / IIT data to design its own US IND (dose, population, regulatory framing) while running a fresh GCP "
        "confirmatory program."
    ),
    "DQ-OWNERSHIP": (
        "Diligence question 4: IP and data rights between institution, investigator and funder; clean, "
        "transferable title."
    ),
    "DQ-CONSENT": (
        "Diligence question 2: ethics approval for every site; consent forms that cover downstream commercial use "
        "and cross-border data transfer."
    ),
    "DQ-EVIDENCE": (
        "Diligence question 1: is the data inspection-grade: the trial's records (its registrations among them) "
        "reconciled with each other and response rates to source, follow-up long enough for the efficacy claim "
        "(how many patients and months is house policy, not a regulation)."
    ),
    "DEAL-TRAP": (
        "The overpayment trap (the buyer's): a registration-grade price for IIT-grade data; upfront small while the "
        "evidence is IIT-grade, milestones rewarding IND clearance and confirmatory data. The limits are house "
        "policy, not a regulation."
    ),
}

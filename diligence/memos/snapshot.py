"""The frozen content of one memo version: everything the document shows, as plain JSON.

A memo is signed, so it must re-render identically years later from its snapshot alone: no query, no choice label,
no house limit or rule text is read again at render time. The snapshot holds raw facts (the asset's dossier) and the
display text derived from them when the memo was made.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from assets.dossier import dossier_export
from assets.models import Asset
from diligence.memos.changes import snapshot_changes
from diligence.memos.deal import deal_section
from diligence.memos.display import label
from diligence.memos.facts import evidence_matrix, hgr_table, registration_plan, sites_table, studies_table
from diligence.memos.timelines import timelines
from diligence.models import Finding, QuestionKey, ReviewItem
from diligence.models.checklists import Criticality
from diligence.progress import FINISHED
from diligence.rules.citations import CITATIONS
from diligence.rules.verdict import QuestionLight, verdict_from
from diligence.selectors.reviews import asset_findings, checklist_gate

if TYPE_CHECKING:
    from diligence.models import Review
    from teams.models import DealTeam

__all__ = ["FORMAT", "SCHEMA_VERSION", "build_snapshot", "snapshot_changes"]

FORMAT = "iit-diligence-memo"
SCHEMA_VERSION = 1

# The regulations every review is checked against: the appendix lists them all, cited or not, so a reader sees what
# was checked.
CHECKED_REGULATIONS = ("HGR-2024", "ORDER-818", "NMPA-86", "CFR-312.120", "ICH-E17", "US-APPROP")

HEADLINES = {
    "yes": "Yes: the data can travel.",
    "yes, with conditions": "Yes, with conditions.",
    "not yet established": "Not yet established: facts or checklist items the answer needs are missing.",
    "no": "No, not as it stands.",
}

Snapshot = dict[str, Any]


def build_snapshot(
    *,
    asset: Asset,
    review: Review | None,
    team: DealTeam,
    version: int,
    previous: dict | None,
    today: dt.date,
    generated_at: dt.datetime,
) -> dict:
    """Everything memo ``version`` of ``asset`` shows, as JSON-ready values; ``previous`` is the last version's
    snapshot (None for version 1) and gives the "changes since" section."""
    dossier = dossier_export(asset=asset)
    findings = asset_findings(asset_id=asset.pk)
    finding_rows = [_finding(f) for f in findings]
    snapshot: Snapshot = {
        "format": FORMAT,
        "schema": SCHEMA_VERSION,
        "memo": _memo(team=team, version=version, today=today, generated_at=generated_at),
        "illustrative": bool(asset.is_illustrative),
        "asset": _asset(dossier),
        "verdict": _verdict(findings, asset_id=asset.pk),
        "review": _review(review),
        "questions": _questions(review, finding_rows, today=today),
        "findings": finding_rows,
        "timelines": timelines(dossier, today=today),
        "deal": deal_section(dossier),
        "registration_plan": registration_plan(dossier),
        "studies": studies_table(dossier),
        "evidence": evidence_matrix(dossier),
        "sites": sites_table(dossier),
        "hgr_filings": hgr_table(dossier),
        "regulations": _regulations(finding_rows),
        "dossier": dossier,
    }
    snapshot["changes"] = snapshot_changes(previous, snapshot)
    return snapshot


def _memo(*, team: DealTeam, version: int, today: dt.date, generated_at: dt.datetime) -> Snapshot:
    local = timezone.localtime(generated_at) if timezone.is_aware(generated_at) else generated_at
    return {
        "version": version,
        "team": team.name,
        "today": today.isoformat(),
        "generated_at": generated_at.isoformat(),
        "generated_on": local.date().isoformat(),
        "generated_display": f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".strip(),
    }


def _asset(dossier: Snapshot) -> Snapshot:
    asset = dossier["asset"]
    return {
        "code": asset["code"],
        "name": asset["name"],
        "inn_name": asset["inn_name"],
        "modality": label(Asset, "modality", asset["modality"]),
        "target": asset["target"],
        "indications": [line.strip() for line in asset["indications"].splitlines() if line.strip()],
        "phase_china": label(Asset, "highest_phase_china", asset["highest_phase_china"]),
        "phase_us": label(Asset, "highest_phase_us", asset["highest_phase_us"]),
        "originator": asset["originator"] or "",
        "notes": asset["notes"],
    }


def _finding(finding: Finding) -> Snapshot:
    return {
        "rule": finding.rule_id,
        "subject": finding.subject,
        "question": finding.question,
        "severity": finding.severity,
        "severity_display": finding.get_severity_display(),
        "kind": finding.kind,
        "citation": finding.citation,
        "title": finding.title,
        "message": finding.message,
        "status": finding.status,
        "status_display": finding.get_status_display(),
        "note": finding.note,
        "remedy": finding.remedy,
    }


def _verdict(findings: list[Finding], *, asset_id: int) -> Snapshot:
    verdict = verdict_from(findings, checklist=checklist_gate(asset_id=asset_id))
    return {
        "answer": verdict.answer,
        "light": verdict.light,
        "headline": HEADLINES[verdict.answer],
        "questions": [_light(number, question) for number, question in enumerate(verdict.questions, start=1)],
        "what_it_would_take": verdict.conditions,
    }


def _light(number: int, question: QuestionLight) -> Snapshot:
    return {
        "key": question.key,
        "heading": f"{number}. {question.label}",
        "light": question.light,
        "light_label": question.light_label,
        "missing": question.missing,
        "reasons": [
            {"rule": f.rule_id, "citation": f.citation, "title": f.title, "count": count}
            for f, count in question.reasons_by_rule
        ],
    }


def _review(review: Review | None) -> Snapshot | None:
    if review is None:
        return None
    return {
        "template": review.template.name,
        "template_version": review.template_version.number,
        "started_on": timezone.localdate(review.created_at).isoformat(),
    }


def _questions(review: Review | None, findings: list[Snapshot], *, today: dt.date) -> list[Snapshot]:
    """The five questions in order, each with its checklist items (None when no review was started)."""
    titles: dict[str, tuple[str, str]] = {}
    items_by_question: dict[str, list[Snapshot]] | None = None
    if review is not None:
        titles = {q.key: (q.title, q.description) for q in review.template_version.questions.all()}
        items_by_question = {}
        for item in _live_items(review):
            items_by_question.setdefault(item.question, []).append(_item(item, today=today))
    questions = []
    for number, (key, text) in enumerate(QuestionKey.choices, start=1):
        title, description = titles.get(key, ("", ""))
        items = None if items_by_question is None else items_by_question.get(key, [])
        questions.append(
            {
                "key": key,
                "number": number,
                "heading": f"{number}. {text}",
                "title": title,
                "description": description,
                "items": items,
                "progress": _progress(items),
                "finding_count": sum(1 for f in findings if f["question"] == key),
            }
        )
    return questions


def _live_items(review: Review) -> list[ReviewItem]:
    return list(
        review.items.filter(archived_at__isnull=True)
        .select_related("template_item", "assignee")
        .prefetch_related("evidence")
        .order_by("order", "pk")
    )


def _progress(items: list[Snapshot] | None) -> Snapshot | None:
    """The counts a partner reads first: how much of the question's checklist is finished, blocked or late."""
    if items is None:
        return None
    return {
        "total": len(items),
        "finished": sum(1 for i in items if i["status"] in FINISHED),
        "blocked": sum(1 for i in items if i["status"] == ReviewItem.Status.BLOCKED),
        "overdue": sum(1 for i in items if i["overdue"]),
    }


def _item(item: ReviewItem, *, today: dt.date) -> Snapshot:
    number = list(QuestionKey.values).index(item.question) + 1
    return {
        "key": item.key,
        "heading": f"{number}. {item.get_question_display()}",
        "text": item.template_item.text,
        "criticality": item.template_item.criticality,
        "criticality_display": str(dict(Criticality.choices).get(item.template_item.criticality, "")),
        "evidence_required": item.template_item.evidence_required,
        "status": item.status,
        "status_display": item.get_status_display(),
        "assignee": str(item.assignee) if item.assignee else "",
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "overdue": bool(item.due_on and item.due_on < today and item.status not in FINISHED),
        "notes": item.notes,
        "na_reason": item.na_reason,
        "evidence": [evidence.original_name for evidence in item.evidence.all()],
    }


def _regulations(findings: list[Snapshot]) -> list[Snapshot]:
    """Every checked regulation and every other id a finding cites, in catalogue order, with its one-line summary."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["citation"]] = counts.get(finding["citation"], 0) + 1
    wanted = set(CHECKED_REGULATIONS) | set(counts)
    ordered = [cid for cid in CITATIONS if cid in wanted] + sorted(wanted - set(CITATIONS))
    return [
        {"id": cid, "summary": CITATIONS.get(cid, "Not in the citation catalogue."), "findings": counts.get(cid, 0)}
        for cid in ordered
    ]

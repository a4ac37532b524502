"""A review's items, and the findings of an asset or of a team, as CSV or XLSX, through the access policy. The cells
are written by ``teams.spreadsheets``, the one place that keeps formulas and control characters out."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from assets.access import asset_access
from diligence.access import review_access
from diligence.models import Finding, Review
from diligence.selectors import reviews as selectors
from teams import access
from teams.http import AuthenticatedHttpRequest
from teams.spreadsheets import Sheet, csv_download, xlsx_download

ITEM_HEADER = [
    "question",
    "key",
    "item",
    "criticality",
    "evidence required",
    "status",
    "not applicable because",
    "assignee",
    "due",
    "notes",
    "evidence files",
    "comments",
    "related rules",
]
# The findings pages' columns, in their order: what a finding is, then its triage.
FINDING_HEADER = ["severity", "question", "title", "citation", "rule", "message", "status", "note", "remedy", "subject"]


def _item_rows(review: Review) -> list[list[object]]:
    items = selectors.review_items(review=review)
    return [
        [
            item.get_question_display(),
            item.key,
            item.template_item.text,
            item.template_item.get_criticality_display(),
            "yes" if item.template_item.evidence_required else "no",
            item.get_status_display(),
            item.na_reason,
            str(item.assignee or ""),
            item.due_on.isoformat() if item.due_on else "",
            item.notes,
            item.evidence_count,
            item.comment_count,
            " ".join(item.template_item.rule_ids),
        ]
        for item in items
    ]


def _finding_row(f: Finding) -> list[object]:
    return [
        f.get_severity_display(),
        f.get_question_display(),
        f.title,
        f.citation,
        f.rule_id,
        f.message,
        f.get_status_display(),
        f.note,
        f.remedy,
        f.subject,
    ]


def _findings_sheet(findings: Iterable[Finding], *, with_asset: bool = False) -> Sheet:
    rows = ([f.asset.code, *_finding_row(f)] if with_asset else _finding_row(f) for f in findings)
    header = ["asset", *FINDING_HEADER] if with_asset else FINDING_HEADER
    return Sheet("Findings", header, list(rows), section="finding")


def _review_sheets(review: Review) -> tuple[Sheet, Sheet]:
    return (
        Sheet("Checklist", ITEM_HEADER, _item_rows(review), section="item"),
        _findings_sheet(selectors.asset_findings(asset_id=review.asset_id)),
    )


def _review_filename(review: Review, extension: str) -> str:
    return f"{review.asset.code}-checklist-v{review.template_version.number}.{extension}"


@login_required
@require_GET
def review_export_csv(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_access(request, review_id, log="export")
    return csv_download(_review_filename(review, "csv"), *_review_sheets(review))


@login_required
@require_GET
def review_export_xlsx(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_access(request, review_id, log="export")
    return xlsx_download(_review_filename(review, "xlsx"), *_review_sheets(review))


@login_required
@require_GET
def asset_findings_export(request: AuthenticatedHttpRequest, asset_id: int, extension: str) -> HttpResponse:
    """The asset's findings as its findings tab lists them (resolved ones too with ``?resolved=1``)."""
    asset = asset_access(request, asset_id, log="export")
    findings = selectors.asset_findings(asset_id=asset.pk, include_resolved=request.GET.get("resolved") == "1")
    download = csv_download if extension == "csv" else xlsx_download
    return download(f"{asset.code}-findings.{extension}", _findings_sheet(findings))


@login_required
@require_GET
def team_findings_export(request: AuthenticatedHttpRequest, team_slug: str, extension: str) -> HttpResponse:
    """Every asset's active findings in one table, asset by asset, each asset's as its findings tab orders them."""
    team = access.team_access(request, team_slug)
    findings = selectors.team_findings(team_id=team.pk, include_resolved=request.GET.get("resolved") == "1")
    download = csv_download if extension == "csv" else xlsx_download
    return download(f"{team.slug}-findings.{extension}", _findings_sheet(findings, with_asset=True))

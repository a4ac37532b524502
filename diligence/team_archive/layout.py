"""The team archive's format: member names, how values are written, and the error a refused archive raises.

One zip file::

    manifest.json          format, version, the team, exported_at, counts, sha256 and size of every other member
    team.json              the team, the people it names, memberships, companies, and its assets' dossiers
    dossiers/<code>.json   one per asset, in the dossier format (assets/dossier/schema.json)
    reviews.json           checklist template versions in full, reviews, items, comments, evidence metadata
    findings.json          findings with their triage, each named by rule id and a subject that survives the move
    memos.json             memos with their state, snapshot and partner review (approvals, change requests, comments)
    evidence/<sha256>      evidence files, one member per distinct content
    memos/<code>-v<n>.pdf  rendered memo PDFs

No database ids travel: people go by username, assets by code, templates by slug and version number.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final, overload
from urllib.parse import quote

FORMAT: Final = "iit-diligence-team-archive"
VERSION: Final = 1

MANIFEST: Final = "manifest.json"
TEAM: Final = "team.json"
REVIEWS: Final = "reviews.json"
FINDINGS: Final = "findings.json"
MEMOS: Final = "memos.json"

Document = dict[str, Any]


class ArchiveError(Exception):
    """An archive was refused (nothing written) or could not be made; ``member`` names the part at fault."""

    def __init__(self, message: str, *, member: str | None = None) -> None:
        self.member = member
        self.message = message
        super().__init__(f"{member}: {message}" if member else message)


COUNT_LABELS = {
    "assets": ("asset", "assets"),
    "memberships": ("membership", "memberships"),
    "users": ("person", "people"),
    "companies": ("company", "companies"),
    "checklist_versions": ("checklist template version", "checklist template versions"),
    "reviews": ("review", "reviews"),
    "review_items": ("review item", "review items"),
    "item_comments": ("item comment", "item comments"),
    "evidence_files": ("evidence file", "evidence files"),
    "findings": ("finding", "findings"),
    "memos": ("memo", "memos"),
    "memo_pdfs": ("memo PDF", "memo PDFs"),
    "memo_comments": ("memo comment or decision", "memo comments and decisions"),
}


def describe_counts(counts: dict[str, int]) -> str:
    """``1 asset, 3 memberships, ...`` in the order of COUNT_LABELS."""
    return ", ".join(
        f"{counts.get(kind, 0)} {one if counts.get(kind, 0) == 1 else many}"
        for kind, (one, many) in COUNT_LABELS.items()
    )


def archive_counts(*, team: Document, reviews: Document, findings: Document, memos: Document) -> dict[str, int]:
    """How many of each kind the JSON members hold: written into the manifest, and checked against it on import."""
    items = [item for review in reviews["reviews"] for item in review["items"]]
    return {
        "assets": len(team["assets"]),
        "memberships": len(team["memberships"]),
        "users": len(team["users"]),
        "companies": len(team["companies"]),
        "checklist_versions": sum(len(template["versions"]) for template in reviews["checklist_templates"]),
        "reviews": len(reviews["reviews"]),
        "review_items": len(items),
        "item_comments": sum(len(item["comments"]) for item in items),
        "evidence_files": sum(len(item["evidence"]) for item in items),
        "findings": len(findings["findings"]),
        "memos": len(memos["memos"]),
        "memo_pdfs": sum(1 for memo in memos["memos"] if memo["pdf"]),
        "memo_comments": sum(len(memo["comments"]) for memo in memos["memos"]),
    }


def dossier_member(code: str) -> str:
    return f"dossiers/{_safe(code)}.json"


def evidence_member(sha256: str) -> str:
    return f"evidence/{sha256}"


def memo_member(code: str, version: int) -> str:
    return f"memos/{_safe(code)}-v{version}.pdf"


def _safe(code: str) -> str:
    """An asset code as one path segment: letters, digits and ``-_.~`` as they are, anything else percent-encoded."""
    return quote(code, safe="")


def dumps(document: Document) -> bytes:
    """Every JSON member is written this one way: sorted keys, real characters, a final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def moment(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


@overload
def parse_moment(value: str) -> dt.datetime: ...
@overload
def parse_moment(value: None) -> None: ...
def parse_moment(value: str | None) -> dt.datetime | None:
    """The schema has already checked the shape (an ISO 8601 moment with its offset)."""
    return dt.datetime.fromisoformat(value) if value is not None else None


def parse_day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None

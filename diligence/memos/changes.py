"""What changed between two memo snapshots: findings raised and resolved, checklist items moved, deal terms changed.

It reads snapshots only (never the database), so any two stored versions of a memo can be compared, today or in a
year, and the answer is the same as the one printed in the later memo.
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

# The deal-term lines a partner compares, as (label, snapshot key). Display values, so the change reads as printed.
DEAL_FIELDS: list[tuple[str, str]] = [
    ("Direction", "direction"),
    ("Counterparty", "counterparty"),
    ("Territory", "territory"),
    ("Currency", "currency"),
    ("Upfront", "upfront_display"),
    ("Equity", "equity_display"),
    ("Milestones in total", "milestones_total_display"),
    ("Total deal value", "total_display"),
    ("Upfront share of total", "upfront_share_display"),
    ("Technical data-sharing clause", "technical_data_sharing"),
    ("Signed on", "signed_on"),
]


def snapshot_changes(previous: Row | None, current: Row) -> Row:
    """The changes from ``previous`` (None for a first version) to ``current``; empty lists where nothing moved."""
    if previous is None:
        return {
            "since_version": None,
            "verdict": None,
            "findings_raised": [],
            "findings_resolved": [],
            "findings_changed": [],
            "items_changed": [],
            "deal_changed": [],
            "count": 0,
        }
    raised, resolved, changed = _findings(previous.get("findings", []), current.get("findings", []))
    items = _items(previous.get("questions", []), current.get("questions", []))
    deal = _deal(previous.get("deal"), current.get("deal"))
    before, after = (previous.get("verdict") or {}).get("answer"), (current.get("verdict") or {}).get("answer")
    verdict = {"before": before, "after": after} if before != after else None
    return {
        "since_version": (previous.get("memo") or {}).get("version"),
        "verdict": verdict,
        "findings_raised": raised,
        "findings_resolved": resolved,
        "findings_changed": changed,
        "items_changed": items,
        "deal_changed": deal,
        "count": len(raised) + len(resolved) + len(changed) + len(items) + len(deal) + (verdict is not None),
    }


def _finding_key(finding: Row) -> str:
    """A finding is the same finding across versions when the same rule raises it on the same subject."""
    return f"{finding['rule']}|{finding['subject']}"


def _findings(previous: list[Row], current: list[Row]) -> tuple[list[Row], list[Row], list[Row]]:
    before = {_finding_key(f): f for f in previous}
    after = {_finding_key(f): f for f in current}
    raised = [_finding_line(f) for key, f in after.items() if key not in before]
    resolved = [_finding_line(f) for key, f in before.items() if key not in after]
    changed = []
    for key, new in after.items():
        old = before.get(key)
        if old is None:
            continue
        moves = [
            {"field": name, "before": old.get(field, ""), "after": new.get(field, "")}
            for name, field in (("Severity", "severity_display"), ("Status", "status_display"))
            if old.get(field) != new.get(field)
        ]
        if moves:
            changed.append(_finding_line(new) | {"moves": moves})
    return raised, resolved, changed


def _finding_line(finding: Row) -> Row:
    return {
        "rule": finding["rule"],
        "subject": finding["subject"],
        "citation": finding["citation"],
        "severity": finding["severity"],
        "severity_display": finding.get("severity_display", finding["severity"]),
        "title": finding["title"],
        "message": finding["message"],
    }


def _items(previous: list[Row], current: list[Row]) -> list[Row]:
    before = {item["key"]: item for question in previous for item in question.get("items") or []}
    after = {item["key"]: item for question in current for item in question.get("items") or []}
    changed = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        old_status = old["status_display"] if old else "Not in the checklist"
        new_status = new["status_display"] if new else "Removed from the checklist"
        if old_status != new_status:
            item = new or before[key]
            changed.append(
                {
                    "key": key,
                    "heading": item["heading"],
                    "text": item["text"],
                    "before": old_status,
                    "after": new_status,
                }
            )
    return changed


def _deal(previous: Row | None, current: Row | None) -> list[Row]:
    if previous is None and current is None:
        return []
    if previous is None or current is None:
        return [
            {
                "field": "Deal terms",
                "before": "Recorded" if previous else "None recorded",
                "after": "Recorded" if current else "None recorded",
            }
        ]
    changed = [
        {"field": name, "before": previous.get(key, ""), "after": current.get(key, "")}
        for name, key in DEAL_FIELDS
        if previous.get(key, "") != current.get(key, "")
    ]
    old = {m["event"]: m["amount_display"] for m in previous.get("milestones", [])}
    new = {m["event"]: m["amount_display"] for m in current.get("milestones", [])}
    for event in [*new, *(e for e in old if e not in new)]:
        if old.get(event) != new.get(event):
            changed.append(
                {"field": f"Milestone: {event}", "before": old.get(event, "None"), "after": new.get(event, "Removed")}
            )
    return changed

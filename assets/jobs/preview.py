"""A registry import's preview: what a dry run of it showed, stored on the job (JSON) and said the same way on the
job's page and by ``import_ctgov --dry-run``.

``files`` are the result lines the dry run wrote (assets.jobs.lines), ``findings`` what the recomputed findings
would do (assets.dry_run's effects: appear, disappear or change, with severity, title, citation and asset), and
``warnings`` every study's warnings, gathered so the most important come first.
"""

from __future__ import annotations

from typing import Any

from assets.jobs.lines import results_summary
from assets.registry.warnings import MISMATCHES, WARNING_ORDER

SEVERITY_ORDER = {"high": 0, "medium": 1, "info": 2}
CHANGE_ORDER = {"appears": 0, "changes": 1, "disappears": 2}
# What an effect keeps: its subject names rows the dry run rolled back, so it is left out.
EFFECT_KEYS = ("change", "asset_code", "rule_id", "severity", "kind", "title", "citation", "message", "question", "was")
GROUP_KEYS = ("change", "asset_code", "rule_id", "severity", "kind", "title", "citation")


def preview_build(*, lines: list[dict[str, Any]], effects: list[dict[str, Any]]) -> dict[str, Any]:
    """The preview of a job whose dry run wrote ``lines`` and whose findings would move as ``effects`` say."""
    findings = findings_grouped(effects)
    findings.sort(
        key=lambda f: (
            SEVERITY_ORDER.get(str(f["severity"]), 9),
            CHANGE_ORDER.get(str(f["change"]), 9),
            str(f["asset_code"]),
            str(f["title"]),
        )
    )
    warnings = [
        {"file": line["name"], "registry_id": study["registry_id"], **warning}
        for line in lines
        for study in line.get("studies", [])
        for warning in study.get("warnings", [])
    ]
    studies = [study for line in lines for study in line.get("studies", [])]
    warnings += clearing_on_mismatch(studies, findings)
    warnings.sort(key=lambda warning: WARNING_ORDER.index(warning["kind"]))
    return {
        "files": lines,
        "findings": findings,
        "warnings": warnings,
        "summary": results_summary(lines),
        "high_findings": sum(f["count"] for f in findings if f["severity"] == "high" and f["change"] != "disappears"),
        # Whether confirming would write anything: a preview of unchanged studies or refused files ends the job.
        "writes": any(study["status"] != "unchanged" for study in studies) or bool(findings),
    }


def clearing_on_mismatch(studies: list[dict[str, Any]], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A warning per asset that a record unlike it would be attached to while findings of that asset would clear:
    those findings would go on the strength of what may be another trial's facts."""
    mismatched: dict[str, list[str]] = {}
    for study in studies:
        if study.get("asset") and any(w["kind"] in MISMATCHES for w in study.get("warnings", [])):
            mismatched.setdefault(study["asset"]["code"], []).append(study["registry_id"])
    warnings = []
    for code, registry_ids in mismatched.items():
        cleared = [f for f in findings if f["asset_code"] == code and f["change"] == "disappears"]
        if cleared:
            count = sum(f["count"] for f in cleared)
            titles = "; ".join(sorted({str(f["title"]) for f in cleared}))
            warnings.append(
                {
                    "file": "",
                    "registry_id": ", ".join(registry_ids),
                    "kind": "clears-on-mismatch",
                    "message": f"{count} finding{'s' if count != 1 else ''} of {code} would be cleared ({titles}) by "
                    f"the facts of a record that does not look like {code}'s: make sure it belongs to {code} before "
                    "confirming.",
                }
            )
    return warnings


def findings_grouped(effects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per rule, asset and change, with how many subjects (sites, approvals...) it concerns and the first
    one's message: a record with 1,000 sites would otherwise list the same finding 1,000 times."""
    grouped: dict[tuple[str, ...], dict[str, Any]] = {}
    for effect in effects:
        finding = {key: effect[key] for key in EFFECT_KEYS if key in effect}
        was = finding.get("was", {})
        key = (*(str(finding.get(name, "")) for name in GROUP_KEYS), repr(sorted(was.items())))
        if key in grouped:
            grouped[key]["count"] += 1
        else:
            grouped[key] = finding | {"count": 1}
    return list(grouped.values())


def preview_text(preview: dict[str, Any]) -> list[str]:
    """The preview as lines of plain text, most important first: warnings, findings, then each file and study."""
    out: list[str] = []
    if preview["warnings"]:
        out.append(f"Warnings ({len(preview['warnings'])}):")
        out += [f"  ! {w['file']} {w['registry_id']}: {w['message']}" for w in preview["warnings"]]
    if preview["findings"]:
        out.append(f"Findings that would change ({len(preview['findings'])}):")
        for finding in preview["findings"]:
            before = was_text(finding.get("was", {}))
            times = f" (x{finding['count']})" if finding["count"] > 1 else ""
            out.append(
                f"  {finding['change']}: {finding['severity']} on {finding['asset_code']}: {finding['title']}"
                f" [{finding['citation']}]{times}{before}"
            )
    for line in preview["files"]:
        if not line["ok"]:
            out.append(f"{line['name']}: {line['summary']}")
            continue
        for study in line["studies"]:
            out += study_text(line["name"], study)
    out.append(f"If imported: {preview['summary']}")
    return out


def study_text(name: str, study: dict[str, Any]) -> list[str]:
    """One study of a preview or result line: what happens to it, on which asset, and what it changes."""
    asset = study.get("asset")
    onto = f" on {asset['code']} ({asset['name']})" if asset else " (no asset)"
    out = [f"{name}: {study['registry_id']} {study['status']}{onto}: {study['title']}"]
    out += [f"    {change['label']}: {change['old']} -> {change['new']}" for change in study.get("changes", [])]
    sites = study.get("sites", {})
    if sites.get("added_names"):
        more = f" and {sites['added_more']} more" if sites.get("added_more") else ""
        out.append(f"    sites added: {'; '.join(sites['added_names'])}{more}")
    elif sites.get("added") and study["status"] != "created":
        out.append(f"    sites added: {sites['added']}")
    if sites.get("unlisted"):
        out.append(f"    no longer listed by the registry (kept): {'; '.join(sites['unlisted'])}")
    return out


def was_text(was: dict[str, Any]) -> str:
    """What a changing finding was, in words: its severity, whether it was an open item; its wording is not repeated."""
    said = []
    if "severity" in was:
        said.append(f"severity {was['severity']}")
    if "kind" in was:
        said.append("an open item" if was["kind"] == "unknown" else "a finding")
    if "message" in was and not said:
        said.append("worded otherwise")
    return f" (was {', '.join(said)})" if said else ""

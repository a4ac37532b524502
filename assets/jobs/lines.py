"""Each file's result line, as the job stores it (JSON) and the result partial shows it.

A line is written in the same transaction as the file's own writes; it keeps what the page shows of each study
(its link, title and classification as imported) so the result reads the same after the job, with no query per line.
"""

from __future__ import annotations

from typing import Any

from assets.dossier import DossierImportResult, DossierProblem
from assets.models import Asset
from assets.registry import FileOutcome, RegistryProblem
from assets.registry.warnings import study_warnings


def registry_line(outcome: FileOutcome, *, tried: bool = False) -> dict[str, Any]:
    """A registry file: created / updated / unchanged / replaced per study, or refused with the place and reason.
    Each study names the asset it is attached to, the fields it changed (before and after) and the warnings about
    it. ``tried``: the line of a dry run, where a study it would create has no page (its row was rolled back)."""
    line: dict[str, Any] = {"name": outcome.name, "ok": outcome.ok, "summary": outcome.summary(), "studies": []}
    if outcome.problem is not None:
        return line | {"place": outcome.problem.place, "message": outcome.problem.message}
    for item in outcome.studies:
        study, sites = item.study, item.sites
        line["studies"].append(
            {
                "registry_id": study.registry_id,
                "url": "" if tried and item.created else study.get_absolute_url(),
                "title": study.title,
                "status": item.status,
                "asset": _asset(study.asset),
                "asset_before": _asset(item.asset_before),
                "changed": item.changed,
                "changes": [change.as_json() for change in item.changes],
                "warnings": [w.as_json() for w in study_warnings(study=study, asset_before=item.asset_before)],
                "replaced": item.replaced,
                "sponsor_type": study.get_sponsor_type_display(),
                "sponsor_type_reason": study.sponsor_type_reason,
                "classification_kept": item.classification_kept,
                "flags": item.flags,
                "sites": {
                    "total": sites.total,
                    "china": sites.china,
                    "added": sites.added,
                    "hospitals_matched": sites.hospitals_matched,
                    "hospitals_created": sites.hospitals_created,
                    "sites_to_review": sites.sites_to_review,
                    "unlisted": sites.unlisted,
                    "added_names": sites.added_names,
                    "added_more": sites.added - len(sites.added_names) if sites.added_names else 0,
                },
            }
        )
    return line


def _asset(asset: Asset | None) -> dict[str, Any] | None:
    return None if asset is None else {"code": asset.code, "name": asset.name, "url": asset.get_absolute_url()}


def registry_refused_line(name: str, message: str) -> dict[str, Any]:
    """A file refused before it could be read (a fetch that failed): said as a refused registry file is."""
    return registry_line(FileOutcome(name, problem=RegistryProblem(name, "", message)))


def dossier_line(name: str, result: DossierImportResult) -> dict[str, Any]:
    return {
        "name": name,
        "ok": True,
        "summary": result.summary(),
        "asset_url": result.asset.get_absolute_url(),
        "problems": [],
    }


def dossier_refused_line(name: str, problems: list[DossierProblem]) -> dict[str, Any]:
    count = len(problems)
    return {
        "name": name,
        "ok": False,
        "summary": f"refused: {count} problem{'s' if count != 1 else ''} to fix; nothing from it was written",
        "problems": [{"path": problem.path, "message": problem.message} for problem in problems],
    }


STATUSES = ("created", "updated", "unchanged", "replaced")


def results_summary(lines: list[dict[str, Any]]) -> str:
    """The registry job's one line: "2 created, 0 updated, 1 unchanged; 1 file failed." (as ImportReport says it)."""
    counts = {status: 0 for status in STATUSES}
    for line in lines:
        for study in line.get("studies", []):
            counts[study["status"]] = counts.get(study["status"], 0) + 1
    failed = sum(1 for line in lines if not line["ok"])
    replaced = counts["replaced"]
    return (
        f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
        + (f", {replaced} replaced an earlier copy in this batch" if replaced else "")
        + f"; {failed} file{'s' if failed != 1 else ''} failed."
    )

"""Findings follow the facts: recomputed in the same transaction as the write that changed them."""

from __future__ import annotations

from django.dispatch import receiver

from assets.signals import facts_changed, shared_facts_changed
from diligence.services.findings import findings_recompute, findings_recompute_affected
from diligence.services.notifications import notify_shared_fact_change


@receiver(facts_changed, dispatch_uid="diligence.recompute_findings")
def recompute_findings(sender: object, *, team_id: int, asset_ids: set[int], **kwargs: object) -> None:
    for asset_id in sorted(asset_ids):
        findings_recompute(asset_id=asset_id)


@receiver(shared_facts_changed, dispatch_uid="diligence.recompute_after_shared_change")
def recompute_after_shared_change(
    sender: object, *, description: str, assets_by_team: dict[int, set[int]], **kwargs: object
) -> None:
    """A shared fact moved: every affected team's findings follow (by a worker when many), and each team is told."""
    findings_recompute_affected(asset_ids={a for assets in assets_by_team.values() for a in assets})
    notify_shared_fact_change(description=description, assets_by_team=assets_by_team)

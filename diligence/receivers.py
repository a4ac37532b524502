"""Findings follow the facts: recomputed in the same transaction as the write that changed them."""

from __future__ import annotations

from django.dispatch import receiver

from assets.signals import facts_changed
from diligence.services.findings import findings_recompute


@receiver(facts_changed, dispatch_uid="diligence.recompute_findings")
def recompute_findings(sender: object, *, team_id: int, asset_ids: set[int], **kwargs: object) -> None:
    for asset_id in sorted(asset_ids):
        findings_recompute(asset_id=asset_id)

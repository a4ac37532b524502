"""Findings follow the facts: recomputed in the same transaction as the write that changed them. Stored files
follow their rows: deleted after the deletion commits (``diligence.stored_files``)."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from assets.signals import facts_changed
from diligence.services.findings import findings_recompute
from diligence.stored_files import FILE_FIELDS, files_delete_after_commit


@receiver(facts_changed, dispatch_uid="diligence.recompute_findings")
def recompute_findings(sender: object, *, team_id: int, asset_ids: set[int], **kwargs: object) -> None:
    for asset_id in sorted(asset_ids):
        findings_recompute(asset_id=asset_id)


for model in FILE_FIELDS:
    post_delete.connect(files_delete_after_commit, sender=model, dispatch_uid=f"diligence.files_of_{model.__name__}")

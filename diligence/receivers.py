"""Findings follow the facts: recomputed in the same transaction as the write that changed them. Stored files
follow their rows: deleted after the deletion commits (``diligence.stored_files``). A membership change someone made
reaches the team's leads and the person concerned, read from the history record simple-history writes for it (so the
admin, services and bare saves in a request alike are heard). Each asset's kept standing follows the saves and deletes
of its findings and checklist items (``diligence.services.standing``)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps.registry import Apps
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from assets.dry_run import dry_run_current
from assets.models import Asset, RegistryRecordVersion
from assets.signals import facts_changed, registry_version_arrived, registry_version_decided, shared_facts_changed
from diligence.models import Finding, Review, ReviewItem
from diligence.services import events
from diligence.services.findings import (
    findings_active_snapshot,
    findings_effects,
    findings_recompute,
    findings_recompute_affected,
)
from diligence.services.notifications import (
    membership_change_notify,
    notify_registry_version,
    notify_shared_fact_change,
)
from diligence.services.standing import CHECKLIST, FINDINGS, standings_of_unkept_assets, standings_refresh
from diligence.stored_files import FILE_FIELDS, files_delete_after_commit
from teams.models import DealTeam, Membership


@receiver(facts_changed, dispatch_uid="diligence.recompute_findings")
def recompute_findings(sender: object, *, team_id: int, asset_ids: set[int], **kwargs: object) -> None:
    """In a dry run (``assets.dry_run``) the findings are recomputed all the same, and what changed is reported."""
    trying = dry_run_current()
    before = findings_active_snapshot(asset_ids=asset_ids) if trying else {}
    for asset_id in sorted(asset_ids):
        findings_recompute(asset_id=asset_id)
    if trying:
        after = findings_active_snapshot(asset_ids=asset_ids)
        trying.effects.extend(findings_effects(before=before, after=after))


@receiver(shared_facts_changed, dispatch_uid="diligence.recompute_after_shared_change")
def recompute_after_shared_change(
    sender: object, *, description: str, assets_by_team: dict[int, set[int]], **kwargs: object
) -> None:
    """A shared fact moved: every affected team's findings follow (by a worker when many), and each team is told."""
    findings_recompute_affected(asset_ids={a for assets in assets_by_team.values() for a in assets})
    notify_shared_fact_change(description=description, assets_by_team=assets_by_team)


@receiver(registry_version_arrived, dispatch_uid="diligence.registry_version_arrived")
def tell_of_registry_version(sender: object, *, version: RegistryRecordVersion, **kwargs: object) -> None:
    """The watch found a new version of a record: the team hears what changed and what it would do."""
    notify_registry_version(version=version)


@receiver(registry_version_decided, dispatch_uid="diligence.registry_version_decided")
def tell_of_registry_decision(sender: object, *, version: RegistryRecordVersion, user: Any, **kwargs: object) -> None:
    notify_registry_version(version=version, decided_by=user)


for model in FILE_FIELDS:
    post_delete.connect(files_delete_after_commit, sender=model, dispatch_uid=f"diligence.files_of_{model.__name__}")


@receiver(post_create_historical_record, sender=Membership.history.model, dispatch_uid="diligence.membership_news")
def tell_of_membership_change(sender: object, *, instance: Membership, history_instance: Any, **kwargs: object) -> None:
    """A membership added, changed or removed by someone (its history records who; simple-history ships no types):
    the team's leads and the person concerned are told, in the same transaction. Changes no one made (operator
    commands on the server: the demo seed, a team restored from its archive) are in the history and tell nobody."""
    actor = history_instance.history_user
    if actor is None:
        return
    membership_change_notify(membership=instance, change=history_instance.history_type, actor=actor)
    role = None if history_instance.history_type == "-" else instance.get_role_display().lower()
    events.membership_changed(team=instance.team, user=instance.user, role=role, actor=actor)


# What the standing counts of a finding and of an item: a save that names its fields and none of these changes nothing.
FINDING_COUNTED = frozenset({"status", "severity", "kind", "asset"})
ITEM_COUNTED = frozenset({"status", "archived_at", "template_item", "question", "review"})


def _counted(update_fields: frozenset[str] | None, counted: frozenset[str]) -> bool:
    return update_fields is None or bool(counted & update_fields)


def _asset_going(origin: object) -> bool:
    """Whether a delete cascades from the asset itself or its team: the standing row goes with the asset, and
    counting it again mid-delete would write a row for an asset about to be gone."""
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return model in (Asset, DealTeam)


@receiver(post_save, sender=Finding, dispatch_uid="diligence.standing.finding_saved")
def finding_counted(sender: type, instance: Finding, update_fields: frozenset[str] | None, **kwargs: object) -> None:
    if _counted(update_fields, FINDING_COUNTED):
        standings_refresh({instance.asset_id}, parts={FINDINGS})


@receiver(post_delete, sender=Finding, dispatch_uid="diligence.standing.finding_deleted")
def finding_uncounted(sender: type, instance: Finding, origin: object = None, **kwargs: object) -> None:
    if not _asset_going(origin):
        standings_refresh({instance.asset_id}, parts={FINDINGS})


@receiver(post_save, sender=ReviewItem, dispatch_uid="diligence.standing.item_saved")
def item_counted(sender: type, instance: ReviewItem, update_fields: frozenset[str] | None, **kwargs: object) -> None:
    if _counted(update_fields, ITEM_COUNTED):
        standings_refresh({instance.review.asset_id}, parts={CHECKLIST})


@receiver(post_delete, sender=ReviewItem, dispatch_uid="diligence.standing.item_deleted")
def item_uncounted(sender: type, instance: ReviewItem, origin: object = None, **kwargs: object) -> None:
    if not _asset_going(origin):
        standings_refresh({instance.review.asset_id}, parts={CHECKLIST})


@receiver(post_save, sender=Review, dispatch_uid="diligence.standing.review_saved")
def review_counted(sender: type, instance: Review, created: bool, **kwargs: object) -> None:
    if created:  # an asset with a review, even one without items yet, is reviewed
        standings_refresh({instance.asset_id}, parts={CHECKLIST})


@receiver(post_delete, sender=Review, dispatch_uid="diligence.standing.review_deleted")
def review_uncounted(sender: type, instance: Review, origin: object = None, **kwargs: object) -> None:
    if not _asset_going(origin):
        standings_refresh({instance.asset_id}, parts={CHECKLIST})


@receiver(post_migrate, dispatch_uid="diligence.standing.after_migrate")
def count_unkept_assets(sender: AppConfig, apps: Apps | None = None, **kwargs: object) -> None:
    """Once migrations have run, every asset stored before standings were kept gets one, counted by the code and
    models of this install (a data migration would count with those of its own day). None on a fresh database.
    ``apps`` is the migrated state (absent after a flush, which leaves the schema as it was)."""
    if sender.name != "diligence":
        return
    try:
        if apps is not None:
            apps.get_model("diligence", "AssetStanding")
    except LookupError:  # migrated back to before standings were kept
        return
    standings_of_unkept_assets()

"""Findings follow the facts: recomputed in the same transaction as the write that changed them. Stored files
follow their rows: deleted after the deletion commits (``diligence.stored_files``). A membership change reaches the
team's leads (every change, read from the history record simple-history writes for it, so the admin, services and
commands alike are heard) and the person concerned (when someone made it)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from assets.signals import facts_changed, shared_facts_changed
from diligence.services import events
from diligence.services.findings import findings_recompute, findings_recompute_affected
from diligence.services.notifications import membership_change_notify, notify_shared_fact_change
from diligence.stored_files import FILE_FIELDS, files_delete_after_commit
from teams.models import Membership


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


for model in FILE_FIELDS:
    post_delete.connect(files_delete_after_commit, sender=model, dispatch_uid=f"diligence.files_of_{model.__name__}")


@receiver(post_create_historical_record, sender=Membership.history.model, dispatch_uid="diligence.membership_news")
def tell_leads_of_membership_change(sender: object, *, history_instance: Any, **kwargs: object) -> None:
    # history_instance: simple-history's historical row (the library ships no types)
    membership_change_notify(
        membership=history_instance.instance, change=history_instance.history_type, actor=history_instance.history_user
    )


@receiver(post_create_historical_record, sender=Membership.history.model, dispatch_uid="diligence.membership_changed")
def tell_of_membership_change(sender: object, *, instance: object, history_instance: Any, **kwargs: object) -> None:
    """A membership added, changed or removed by someone (each recorded by its history with who did it): the person
    concerned is told, in the same transaction. Changes no one made (operator commands: the demo seed, a team
    restored from its archive) tell nobody."""
    if not isinstance(instance, Membership) or history_instance.history_user is None:
        return
    role = None if history_instance.history_type == "-" else instance.get_role_display().lower()
    events.membership_changed(team=instance.team, user=instance.user, role=role, actor=history_instance.history_user)

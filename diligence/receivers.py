"""Findings follow the facts: recomputed in the same transaction as the write that changed them. Membership changes
reach the person concerned."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from assets.signals import facts_changed
from diligence.services import events
from diligence.services.findings import findings_recompute
from teams.models import Membership


@receiver(facts_changed, dispatch_uid="diligence.recompute_findings")
def recompute_findings(sender: object, *, team_id: int, asset_ids: set[int], **kwargs: object) -> None:
    for asset_id in sorted(asset_ids):
        findings_recompute(asset_id=asset_id)


@receiver(post_create_historical_record, dispatch_uid="diligence.membership_changed")
def tell_of_membership_change(sender: object, *, instance: object, history_instance: Any, **kwargs: object) -> None:
    """A membership added, changed or removed by someone (each recorded by its history with who did it): the person
    concerned is told, in the same transaction. Changes no one made (operator commands: the demo seed, a team
    restored from its archive) tell nobody."""
    if not isinstance(instance, Membership) or history_instance.history_user is None:
        return
    role = None if history_instance.history_type == "-" else instance.get_role_display().lower()
    events.membership_changed(team=instance.team, user=instance.user, role=role, actor=history_instance.history_user)

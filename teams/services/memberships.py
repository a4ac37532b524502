"""Writes for teams and memberships. Membership changes are recorded by django-simple-history with the actor."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from teams.access import can_lead, forget_roles
from teams.models import DealTeam, Membership, User

SELF_GRANT = (
    "You cannot give yourself a place on a deal team: another staff member or the team's lead has to. "
    "(Staff see no team's deal data unless they are members.)"
)


def self_grant_refusal(*, actor: User | None, team: DealTeam | None, user: User | None) -> str | None:
    """Why ``actor`` may not set ``user``'s membership, or None: nobody grants themselves a place on a team they do
    not already lead (a lead changing their own role gains nothing). Checked by the service and the admin's forms."""
    if actor is None or user is None or actor.pk != user.pk:
        return None
    return None if team is not None and team.pk is not None and can_lead(actor, team) else SELF_GRANT


@transaction.atomic
def team_create(*, name: str, slug: str, description: str = "") -> DealTeam:
    team = DealTeam(name=name, slug=slug, description=description)
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def membership_set(*, team: DealTeam, user: User, role: str, actor: User | None) -> Membership:
    """Add the user to the team, or change their role; a no-op leaves no history entry. Nobody grants themselves
    a place (``self_grant_refusal``); each change reaches the team's leads as a notification (through the history
    record simple-history writes, which diligence listens to)."""
    if refusal := self_grant_refusal(actor=actor, team=team, user=user):
        raise ValidationError(refusal)
    membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is not None and membership.role == role:
        return membership
    if membership is None:
        membership = Membership(team=team, user=user)
    membership.role = role
    membership.full_clean(validate_unique=False)
    membership._history_user = actor  # simple-history's documented hook for the actor
    membership.save()
    forget_roles(user)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None) -> None:
    """Remove a membership; the history keeps the role it had at that moment (read fresh, not from the caller)."""
    current = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if current is None:
        return
    current._history_user = actor
    current.delete()
    forget_roles(membership.user)

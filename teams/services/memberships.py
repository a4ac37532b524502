"""Writes for teams and memberships. Membership changes are recorded by django-simple-history with the actor."""

from __future__ import annotations

from django.db import transaction

from teams.access import forget_roles
from teams.models import DealTeam, Membership, User


@transaction.atomic
def team_create(*, name: str, slug: str, description: str = "") -> DealTeam:
    team = DealTeam(name=name, slug=slug, description=description)
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def membership_set(*, team: DealTeam, user: User, role: str, actor: User | None) -> Membership:
    """Add the user to the team, or change their role; a no-op leaves no history entry."""
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

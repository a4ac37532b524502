"""Reads for teams and memberships. Team-owned data is scoped through ``teams.access``."""

from __future__ import annotations

from django.db.models import QuerySet

from teams.models import DealTeam, Membership


def team_memberships(*, team: DealTeam) -> QuerySet[Membership]:
    return team.memberships.select_related("user").order_by("role", "user__username")


def membership_history(*, team: DealTeam) -> QuerySet:
    """Every recorded change to the team's memberships, newest first, with who made it."""
    return (
        Membership.history.filter(team_id=team.pk)
        .select_related("user", "history_user")
        .order_by("-history_date", "-history_id")
    )

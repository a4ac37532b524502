"""Writes for the ``diligence`` app, one module per family."""

from diligence.services.teams import membership_remove, membership_set, team_create

__all__ = ["membership_remove", "membership_set", "team_create"]

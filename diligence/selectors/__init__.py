"""Reads for the ``diligence`` app, scoped through ``diligence.access``."""

from diligence.selectors.teams import membership_history, team_memberships

__all__ = ["membership_history", "team_memberships"]

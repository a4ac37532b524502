"""Writes for teams: memberships (with their history), counterparty contacts and the access log."""

from teams.services.access_log import access_log_record
from teams.services.memberships import membership_remove, membership_set, team_create

__all__ = ["access_log_record", "membership_remove", "membership_set", "team_create"]

"""People, deal teams and their memberships, and the access log of what each person reached."""

from teams.models.access_log import AccessLogEntry, AppendOnlyError
from teams.models.teams import DealTeam, Membership, User

__all__ = ["AccessLogEntry", "AppendOnlyError", "DealTeam", "Membership", "User"]

"""People, deal teams and their memberships, counterparty contacts, and the access log of what each person reached."""

from teams.models.access_log import AccessLogEntry, AppendOnlyError
from teams.models.counterparties import CounterpartyContact, LoginLink
from teams.models.teams import DealTeam, Membership, User

__all__ = ["AccessLogEntry", "AppendOnlyError", "CounterpartyContact", "DealTeam", "LoginLink", "Membership", "User"]

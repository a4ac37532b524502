from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from diligence.selectors.memos import UNREAD
from teams.access import REVIEW_ROLES, is_counterparty, team_figure, team_roles, teams_of


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation: only the user's own teams, their unread notifications, the review queue for partners; for a
    counterparty contact, their requests alone. All of it comes from the one read of the user's memberships the
    access checks make (the unread count is a figure registered with it in ``DiligenceConfig.ready``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_teams": []}
    if is_counterparty(user):  # a contact's navigation is their requests and nothing of any team's
        return {"nav_teams": [], "nav_requests_url": reverse("counterparty:home")}
    roles = team_roles(user)
    return {
        "nav_teams": teams_of(user),
        "nav_is_partner": any(role in REVIEW_ROLES for role in roles.values()),
        "nav_unread": team_figure(user, UNREAD),
    }

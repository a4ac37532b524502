from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from diligence.models import Notification
from teams.access import REVIEW_ROLES, is_counterparty, team_roles, teams_of


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation: only the user's own teams, their unread notifications, the review queue for partners; for a
    counterparty contact, their requests alone."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_teams": []}
    if is_counterparty(user):  # a contact's navigation is their requests and nothing of any team's
        return {"nav_teams": [], "nav_requests_url": reverse("counterparty:home")}
    roles = team_roles(user)
    return {
        "nav_teams": teams_of(user),
        "nav_is_partner": any(role in REVIEW_ROLES for role in roles.values()),
        "nav_unread": lambda: Notification.objects.filter(
            user=user, team_id__in=list(roles), read_at__isnull=True
        ).count(),
    }

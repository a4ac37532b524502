from __future__ import annotations

from django.http import HttpRequest

from diligence.access import teams_visible_to


def navigation(request: HttpRequest) -> dict[str, object]:
    """The teams shown in the navigation: only the user's own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_teams": []}
    return {"nav_teams": teams_visible_to(user)}

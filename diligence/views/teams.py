"""Team pages. Views are thin: access check through ``teams.access``, selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from diligence.selectors.dashboard import team_dashboard
from teams import access, selectors
from teams.http import AuthenticatedHttpRequest
from teams.links import id_url


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = list(access.teams_visible_to(request.user))
    if len(teams) == 1:
        return redirect("diligence:team_home", team_slug=teams[0].slug)
    return render(request, "diligence/home.html", {"teams": teams})


@login_required
@require_GET
def team_home(request: AuthenticatedHttpRequest, team_slug: str) -> HttpResponse:
    team = access.team_access(request, team_slug)
    dashboard = team_dashboard(team=team, today=timezone.localdate())
    review_url, findings_url = id_url("diligence:review_detail"), id_url("diligence:asset_findings")
    # Links, which the selector leaves to the view.
    for item in (*dashboard.overdue, *dashboard.due_soon):
        item.review_url = review_url(item.review_id)
    for asset in dashboard.assets:
        asset.findings_url = findings_url(asset.pk)
    context = {
        "team": team,
        "dashboard": dashboard,
        "due_lists": [
            ("Overdue", dashboard.overdue, "Nothing overdue."),
            ("Due in the next 7 days", dashboard.due_soon, "Nothing due this week."),
        ],
        "role": access.role_on(request.user, team),
        "memberships": selectors.team_memberships(team=team),
        "membership_history": selectors.membership_history(team=team)[:20]
        if access.can_lead(request.user, team)
        else None,
    }
    return render(request, "diligence/team_home.html", context)

"""A team's access log, for its lead: who viewed, downloaded or exported what, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from teams import access
from teams.http import AuthenticatedHttpRequest
from teams.models import AccessLogEntry

PAGE_SIZE = 50


@login_required
@require_GET
def access_log(request: AuthenticatedHttpRequest, team_slug: str) -> HttpResponse:
    """Leads only: members and partners get the same 404 as outsiders, since who-saw-what is itself sensitive."""
    team = access.team_access(request, team_slug, lead=True)
    page = Paginator(AccessLogEntry.objects.for_team(team.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "teams/access_log.html", {"team": team, "page": page})

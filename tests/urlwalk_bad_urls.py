"""A URLconf with the mistakes the walker must catch: a view that skips the access policy, an unknown parameter."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from diligence.models import DealTeam


@login_required
def leaky_team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = get_object_or_404(DealTeam, slug=team_slug)  # the bug: no access check
    return HttpResponse(team.name)


@login_required
def widget_page(request: HttpRequest, widget_id: int) -> HttpResponse:
    return HttpResponse("widget")


def open_team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    return HttpResponse("no login required at all")


urlpatterns = [
    path("leaky/<slug:team_slug>/", leaky_team_page, name="leaky_team_page"),
    path("open/<slug:team_slug>/", open_team_page, name="open_team_page"),
    path("widgets/<int:widget_id>/", widget_page, name="widget_page"),
    path("accounts/login/", HttpResponse, name="login"),
]

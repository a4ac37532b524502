"""A URLconf with the mistakes the walker must catch: a view that skips the access policy (on every method, or on
one method only), one open to anonymous users, one whose methods are not what it declares, an unknown parameter."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.http import require_http_methods

from teams import access
from teams.models import DealTeam


@login_required
def leaky_team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = get_object_or_404(DealTeam, slug=team_slug)  # the bug: no access check
    return HttpResponse(team.name)


@login_required
@require_http_methods(["GET", "DELETE"])
def half_checked_team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    if request.method == "DELETE":
        team = get_object_or_404(DealTeam, slug=team_slug)  # the bug: the rarely used method skips the check
        return HttpResponse(f"deleted {team.name}")
    team = access.team_get_for_user_or_404(user=request.user, slug=team_slug)
    return HttpResponse(team.name)


@login_required
def hand_refused_team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    if request.method != "GET":  # declares nothing, so it looks like it takes every method
        return HttpResponseNotAllowed(["GET"])
    team = access.team_get_for_user_or_404(user=request.user, slug=team_slug)
    return HttpResponse(team.name)


@login_required
def widget_page(request: HttpRequest, widget_id: int) -> HttpResponse:
    return HttpResponse("widget")


def open_team_page(request: HttpRequest, team_slug: str) -> HttpResponse:
    return HttpResponse("no login required at all")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseNotFound("not found")  # the site's 404 page links to routes this URLconf does not have


handler404 = not_found

urlpatterns = [
    path("leaky/<slug:team_slug>/", leaky_team_page, name="leaky_team_page"),
    path("half/<slug:team_slug>/", half_checked_team_page, name="half_checked_team_page"),
    path("hand/<slug:team_slug>/", hand_refused_team_page, name="hand_refused_team_page"),
    path("open/<slug:team_slug>/", open_team_page, name="open_team_page"),
    path("widgets/<int:widget_id>/", widget_page, name="widget_page"),
    path("accounts/login/", HttpResponse, name="login"),
]

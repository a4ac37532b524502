"""Every routed view obeys the access policy; and the walker itself catches the mistakes it exists for."""

from __future__ import annotations

import pytest

from tests.urlwalk import iter_routes, walk

pytestmark = pytest.mark.django_db


def test_every_route_obeys_the_access_policy(world):
    walked, problems = walk(world)
    assert problems == []
    names = {route.name for route in walked}
    assert {"home", "team_home", "password_change"} <= names


def test_every_named_route_is_walked_or_public():
    names = {route.name for route in iter_routes()}
    assert "team_home" in names
    assert all(name for name in names), "an unnamed route cannot be walked"


def test_walker_reports_a_view_that_skips_the_policy(world):
    _walked, problems = walk(world, urlconf="tests.urlwalk_bad_urls")
    leaky = [p for p in problems if p.startswith("leaky_team_page")]
    assert any("as outsider" in p and "must be 404" in p for p in leaky)
    assert any("as staff" in p and "must be 404" in p for p in leaky)


def test_walker_reports_a_view_open_to_anonymous_users(world):
    _walked, problems = walk(world, urlconf="tests.urlwalk_bad_urls")
    assert any(p.startswith("open_team_page") and "anonymous must be sent to log in" in p for p in problems)


def test_walker_reports_a_parameter_it_cannot_fill(world):
    _walked, problems = walk(world, urlconf="tests.urlwalk_bad_urls")
    assert any(p.startswith("widget_page") and "widget_id" in p for p in problems)

"""Every routed view obeys the access policy on every method it accepts; and the walker catches the mistakes it
exists for."""

from __future__ import annotations

import pytest

from tests.urlwalk import METHODS, ROLES, declared_methods, iter_routes, walk

pytestmark = pytest.mark.django_db


def test_every_route_obeys_the_access_policy_on_every_method(world, capsys):
    report = walk(world)
    assert report.problems == []
    names = {route.name for route in report.walked}
    assert {
        "diligence:home",
        "diligence:team_home",
        "password_change",
        "diligence:review_item_edit",
        "diligence:memo_create",
    } <= names
    # Every pattern is walked on at least one method, as every role, and the count adds up.
    assert all(walked.methods for walked in report.routes)
    assert report.probes == report.route_methods * len(ROLES)
    assert report.route_methods > len(report.routes)  # some views take more than one method
    walked = {w.route.name: w.methods for w in report.routes}
    assert walked["diligence:review_item_edit"] == ("GET", "POST")
    assert walked["diligence:memo_create"] == ("POST",)
    assert walked["password_change"] == ("GET", "HEAD", "POST", "PUT", "OPTIONS")
    with capsys.disabled():
        print(f"\n{report.summary()}")


def test_the_methods_a_view_declares_are_read_from_its_decorators_and_class():
    views = {route.name: route.view for route in iter_routes()}
    assert declared_methods(views["diligence:review_detail"]) == {"GET"}  # require_GET, under login_required and vary
    assert declared_methods(views["diligence:memo_create"]) == {"POST"}  # require_POST; rate-limited by URL
    assert declared_methods(views["assets:asset_edit"]) == {"GET", "POST"}
    assert declared_methods(views["password_change_done"]) == {"GET", "HEAD", "OPTIONS"}  # a TemplateView
    bad = {route.name: route.view for route in iter_routes("tests.urlwalk_bad_urls")}
    assert declared_methods(bad["leaky_team_page"]) == set(METHODS)  # no decorator: it takes anything


def test_every_named_route_is_walked_or_public():
    names = {route.name for route in iter_routes()}
    assert "diligence:team_home" in names
    assert all(name for name in names), "an unnamed route cannot be walked"


@pytest.fixture
def bad_walk(world):
    return walk(world, urlconf="tests.urlwalk_bad_urls")


def test_walker_reports_a_view_that_skips_the_policy(bad_walk):
    leaky = [p for p in bad_walk.problems if p.startswith("leaky_team_page")]
    assert any("as outsider" in p and "must be 404" in p for p in leaky)
    assert any("as staff" in p and "must be 404" in p for p in leaky)
    # A view with no method decorator is walked with every method, each of them caught.
    assert {method for method in METHODS for p in leaky if f" {method} " in p and "as outsider" in p} == set(METHODS)


def test_walker_reports_a_method_that_skips_the_policy(bad_walk):
    half = [p for p in bad_walk.problems if p.startswith("half_checked_team_page")]
    assert half, "the DELETE that skips the check went unnoticed"
    assert all(" DELETE " in p for p in half)
    assert any("as outsider" in p and "must be 404" in p for p in half)
    assert any("as staff" in p and "must be 404" in p for p in half)


def test_walker_reports_a_view_whose_methods_are_not_what_it_declares(bad_walk):
    assert any(
        p.startswith("hand_refused_team_page") and "declares" in p and "but answers ['GET']" in p
        for p in bad_walk.problems
    )


def test_walker_reports_a_view_open_to_anonymous_users(bad_walk):
    assert any(p.startswith("open_team_page") and "anonymous must be sent to log in" in p for p in bad_walk.problems)


def test_walker_reports_a_parameter_it_cannot_fill(bad_walk):
    assert any(p.startswith("widget_page") and "widget_id" in p for p in bad_walk.problems)

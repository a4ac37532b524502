"""The layout every page shares (roles, teams, unread count, CSRF, CSP, navigation) in a fixed number of queries,
seen through the benchmark's two floor pages (``config.bench.urls``): the bare view reads the session and the user,
the layout adds one query, the user's memberships with their teams and unread counts."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from diligence.models import Notification
from teams.models import DealTeam, Membership
from tests.conftest import client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.urls("config.bench.urls")


def unread_badge(html: str) -> str | None:
    match = re.search(r'Notifications <span class="count">(\d+)</span>', html)
    return match.group(1) if match else None


def test_a_bare_authenticated_view_reads_the_session_and_the_user(world, django_assert_num_queries):
    client = client_for(world.member)
    client.get("/bench/bare/")  # the session settles on the first request
    with django_assert_num_queries(2):
        assert client.get("/bench/bare/").status_code == 200


def test_the_layout_adds_one_query_however_many_teams_and_notifications(world, django_assert_num_queries):
    client = client_for(world.member)
    client.get("/bench/layout/")
    with django_assert_num_queries(3):
        few = client.get("/bench/layout/")
    for n in range(5):
        team = DealTeam.objects.create(name=f"Team {n}", slug=f"team-{n}")
        MembershipFactory(team=team, user=world.member, role=Membership.Role.PARTNER)
        Notification.objects.create(user=world.member, team=team, kind="memo_ready", message=f"memo {n}")
    with django_assert_num_queries(3):
        many = client.get("/bench/layout/")
    assert few.status_code == many.status_code == 200
    html = many.content.decode()
    assert all(f">Team {n}</a>" in html for n in range(5))
    assert "Review queue" in html and "Review queue" not in few.content.decode()  # a partner now
    assert unread_badge(html) == "5" and unread_badge(few.content.decode()) is None


def test_the_unread_count_is_of_the_users_own_unread_notifications_on_their_teams(world):
    Notification.objects.all().delete()  # the leads heard of the world's own memberships
    left = DealTeam.objects.create(name="Left", slug="left")
    read = timezone.now()
    for team, user, read_at in [
        (world.phoenix, world.member, None),  # counted
        (world.phoenix, world.member, None),  # counted
        (world.phoenix, world.member, read),  # read
        (world.phoenix, world.lead, None),  # someone else's
        (left, world.member, None),  # a team the member is not on (any more)
    ]:
        Notification.objects.create(user=user, team=team, kind="memo_ready", message="memo", read_at=read_at)
    assert unread_badge(client_for(world.member).get("/bench/layout/").content.decode()) == "2"
    assert unread_badge(client_for(world.lead).get("/bench/layout/").content.decode()) == "1"
    assert unread_badge(client_for(world.outsider).get("/bench/layout/").content.decode()) is None
    html = client_for(world.outsider).get("/bench/layout/").content.decode()
    assert ">Atlas</a>" in html and ">Phoenix</a>" not in html  # only the user's own teams


def test_the_floor_pages_ask_for_a_login(world, client):
    for url in ("/bench/bare/", "/bench/layout/"):
        assert client.get(url).status_code == 302

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from teams import access
from teams.models import AccessLogEntry, DealTeam, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "view", "edit", "lead", "review"),
    [
        ("member", True, True, False, False),
        ("lead", True, True, True, False),
        ("partner", True, False, False, True),
        ("outsider", False, False, False, False),
        ("staff", False, False, False, False),
    ],
)
def test_roles_on_phoenix(world, role, view, edit, lead, review):
    user = world.user(role)
    assert access.can_view(user, world.phoenix) is view
    assert access.can_edit(user, world.phoenix) is edit
    assert access.can_lead(user, world.phoenix) is lead
    assert access.can_review(user, world.phoenix) is review


def test_anonymous_and_inactive_users_see_nothing(world):
    assert access.teams_visible_to(AnonymousUser()).count() == 0
    world.member.is_active = False
    assert access.can_view(world.member, world.phoenix) is False


def test_teams_visible_to_lists_only_own_teams(world):
    assert list(access.teams_visible_to(world.member)) == [world.phoenix]
    assert list(access.teams_visible_to(world.outsider)) == [world.atlas]
    assert list(access.teams_visible_to(world.staff)) == []


def test_team_get_for_user_or_404_hides_other_teams_and_missing_ones_alike(world):
    assert access.team_get_for_user_or_404(user=world.member, slug="phoenix") == world.phoenix
    for slug in ("phoenix", "no-such-team"):
        with pytest.raises(Http404):
            access.team_get_for_user_or_404(user=world.outsider, slug=slug)


def test_scope_and_get_for_user_or_404_filter_team_owned_querysets(world):
    memberships = Membership.objects.all()
    assert set(access.scope(memberships, user=world.outsider).values_list("team__slug", flat=True)) == {"atlas"}
    phoenix_membership = Membership.objects.get(user=world.member)
    assert access.get_for_user_or_404(memberships, user=world.lead, pk=phoenix_membership.pk) == phoenix_membership
    with pytest.raises(Http404):
        access.get_for_user_or_404(memberships, user=world.outsider, pk=phoenix_membership.pk)


def test_require_edit_refuses_partners_and_outsiders(world):
    access.require_edit(world.member, world.phoenix)
    for role in ("partner", "outsider", "staff"):
        with pytest.raises(Http404):
            access.require_edit(world.user(role), world.phoenix)


def test_roles_are_read_in_one_query_however_many_checks(world, django_assert_num_queries):
    user = UserFactory(username="fresh")
    Membership.objects.create(team=world.phoenix, user=user)
    with django_assert_num_queries(1):
        for team in (world.phoenix, world.atlas, world.phoenix.pk):
            access.can_view(user, team)
            access.can_edit(user, team)


def test_team_ids_are_not_guessable_into_access(world):
    other = DealTeam.objects.create(name="Zeta", slug="zeta")
    assert access.can_view(world.member, other.pk) is False


# --- reaching one object from a request: fetch, then admit -------------------------------------------------------


def request_as(user, path: str = "/somewhere/?tab=deal"):
    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    return request


def test_admit_refuses_a_write_to_partners_and_a_review_to_all_but_partners(world):
    membership = Membership.objects.get(user=world.member)
    for role in ("member", "lead"):
        assert access.admit(request_as(world.user(role)), membership, edit=True) == membership
    with pytest.raises(Http404):
        access.admit(request_as(world.partner), membership, edit=True)
    assert access.admit(request_as(world.partner), membership, review=True) == membership
    for role in ("member", "lead"):
        with pytest.raises(Http404):
            access.admit(request_as(world.user(role)), membership, review=True)


def test_admit_logs_only_once_every_check_has_passed(world):
    membership = Membership.objects.get(user=world.member)
    with pytest.raises(Http404):
        access.admit(request_as(world.partner), membership, edit=True, log="view")
    assert not AccessLogEntry.objects.exists()

    access.admit(request_as(world.partner, "/memberships/1/?x=1"), membership, log="export", log_kind="roster")

    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.team, entry.action, entry.object_kind) == (
        world.partner,
        world.phoenix,
        "export",
        "roster",
    )
    assert (entry.object_id, entry.path) == (membership.pk, "/memberships/1/?x=1")


def test_admit_follows_the_path_to_the_owning_team(world):
    review = world.facts.review
    item = review.items.select_related("review").first()
    assert access.id_along(item, "review__team") == world.phoenix.pk
    with pytest.raises(Http404):
        access.admit(request_as(world.partner), item, team_field="review__team", edit=True)
    access.admit(request_as(world.member), item, team_field="review__team", edit=True, log="view")
    assert AccessLogEntry.objects.get().team == world.phoenix


@pytest.mark.parametrize(
    ("role", "sees", "leads"),
    [("member", True, False), ("partner", True, False), ("lead", True, True), ("outsider", False, False),
     ("staff", False, False), ("anonymous", False, False)],
)  # fmt: skip
def test_team_access_hides_the_team_from_outsiders_and_its_lead_pages_from_all_but_the_lead(world, role, sees, leads):
    request = request_as(world.user(role))
    for lead, allowed in ((False, sees), (True, leads)):
        if allowed:
            assert access.team_access(request, "phoenix", lead=lead) == world.phoenix
        else:
            with pytest.raises(Http404):
                access.team_access(request, "phoenix", lead=lead)


def test_an_unlogged_read_is_admitted_without_following_the_path_to_the_team(world, django_assert_num_queries):
    item = world.facts.review.items.first()  # its review not read with it
    with django_assert_num_queries(0):
        assert access.admit(request_as(world.partner), item, team_field="review__team") == item

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from teams import access
from teams.models import DealTeam, Membership
from teams.services import membership_remove, membership_set, team_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_membership_changes_are_recorded_with_who_whom_when_and_role(world):
    newcomer = UserFactory(username="newcomer")
    membership = membership_set(team=world.phoenix, user=newcomer, role="member", actor=world.lead)
    membership_set(team=world.phoenix, user=newcomer, role="lead", actor=world.staff)
    membership_remove(membership=membership, actor=world.staff)

    history = list(Membership.history.filter(user=newcomer).order_by("history_date", "history_id"))
    assert [(h.history_type, h.role, h.history_user) for h in history] == [
        ("+", "member", world.lead),
        ("~", "lead", world.staff),
        ("-", "lead", world.staff),
    ]
    assert all(h.team_id == world.phoenix.pk and h.history_date for h in history)


def test_setting_the_same_role_again_records_nothing(world):
    before = Membership.history.count()
    membership_set(team=world.phoenix, user=world.member, role="member", actor=world.lead)
    assert Membership.history.count() == before


def test_membership_change_takes_effect_on_the_same_user_object(world):
    assert access.can_view(world.outsider, world.phoenix) is False
    membership_set(team=world.phoenix, user=world.outsider, role="partner", actor=world.staff)
    assert access.can_review(world.outsider, world.phoenix) is True


def test_unknown_role_is_refused(world):
    with pytest.raises(ValidationError):
        membership_set(team=world.phoenix, user=world.outsider, role="owner", actor=world.staff)


def test_database_refuses_a_second_membership_on_the_same_team(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(team=world.phoenix, user=world.member, role="lead")


def test_database_refuses_an_unknown_role(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(team=world.atlas, user=world.member, role="owner")


def test_team_create_validates_the_slug(db):
    with pytest.raises(ValidationError):
        team_create(name="Bad", slug="not a slug")
    team = team_create(name="Orion", slug="orion")
    assert DealTeam.objects.get(slug="orion") == team


# --- nobody grants themselves a place; the leads hear of every change --------------------------------------------


def test_staff_cannot_grant_themselves_a_place_but_another_staff_member_or_the_lead_can(world):
    with pytest.raises(ValidationError, match="cannot give yourself a place"):
        membership_set(team=world.phoenix, user=world.staff, role="member", actor=world.staff)
    assert not Membership.objects.filter(user=world.staff).exists()
    other_staff = UserFactory(username="admin2", is_staff=True)
    membership_set(team=world.phoenix, user=world.staff, role="member", actor=other_staff)
    newcomer = UserFactory(username="newcomer")
    membership_set(team=world.phoenix, user=newcomer, role="member", actor=world.lead)
    assert access.can_view(world.staff, world.phoenix) and access.can_view(newcomer, world.phoenix)
    # A lead changing their own role gains nothing: allowed.
    membership_set(team=world.phoenix, user=world.lead, role="partner", actor=world.lead)


def test_the_teams_leads_are_notified_of_every_membership_change_someone_makes(world):
    from diligence.models import Notification

    newcomer = UserFactory(username="newcomer", first_name="Nia", last_name="New")
    assert not Notification.objects.exists()  # the world's memberships were made by no one: they told nobody
    membership = membership_set(team=world.phoenix, user=newcomer, role="member", actor=world.staff)
    membership_set(team=world.phoenix, user=newcomer, role="partner", actor=world.staff)
    membership_remove(membership=membership, actor=world.staff)
    Membership.objects.create(team=world.phoenix, user=world.outsider)  # an operator's command: history, no news
    news = Notification.objects.filter(kind="membership_changed", user=world.lead).order_by("pk")
    assert all(n.team_id == world.phoenix.pk for n in news)
    assert [n.message for n in news] == [
        f"{world.staff} added Nia New to Phoenix as member.",
        f"{world.staff} made Nia New partner on Phoenix.",
        f"{world.staff} removed Nia New (partner) from Phoenix.",
    ]
    told = set(Notification.objects.filter(kind="membership_changed").values_list("user__username", flat=True))
    assert told == {"lead", "newcomer"}  # the leads, and the person concerned
    assert not Notification.objects.filter(team=world.atlas).exists()  # atlas's people hear nothing of phoenix


def test_in_the_admin_staff_cannot_add_themselves_and_the_lead_hears_of_what_staff_do(world):
    from diligence.models import Notification
    from tests.conftest import client_for

    world.staff.is_superuser = True  # the admin's own permission checks pass; ours is what is tested
    world.staff.save()
    assert not Notification.objects.exists()  # the world's memberships were made by no one: they told nobody
    client = client_for(world.staff)
    refused = client.post(
        "/admin/teams/membership/add/", {"team": world.phoenix.pk, "user": world.staff.pk, "role": "member"}
    )
    assert refused.status_code == 200
    assert "cannot give yourself a place" in refused.content.decode().replace("&#x27;", "'")
    assert not Membership.objects.filter(user=world.staff).exists()
    inline = {
        "name": world.phoenix.name,
        "slug": world.phoenix.slug,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": world.staff.pk,
        "memberships-0-role": "lead",
    }
    refused = client.post(f"/admin/teams/dealteam/{world.phoenix.pk}/change/", inline)
    assert refused.status_code == 200 and not Membership.objects.filter(user=world.staff).exists()
    added = client.post(
        "/admin/teams/membership/add/", {"team": world.phoenix.pk, "user": world.outsider.pk, "role": "partner"}
    )
    assert added.status_code == 302
    (news,) = Notification.objects.filter(user=world.lead, kind="membership_changed")
    assert news.message == f"{world.staff} added {world.outsider} to Phoenix as partner."

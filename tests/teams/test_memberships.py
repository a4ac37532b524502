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

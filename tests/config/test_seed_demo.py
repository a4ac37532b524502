from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from assets.models import Hospital, HospitalAlias
from teams import access
from teams.models import DealTeam, Membership, User

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_teams_and_logins():
    output = seed()
    assert set(DealTeam.objects.values_list("slug", flat=True)) == {"phoenix", "atlas"}
    roles = {(m.user.username, m.team.slug, m.role) for m in Membership.objects.select_related("user", "team")}
    assert roles == {
        ("member", "phoenix", "member"),
        ("lead", "phoenix", "lead"),
        ("partner", "phoenix", "partner"),
        ("outsider", "atlas", "member"),
    }
    for username in ("member", "lead", "partner", "outsider", "admin"):
        assert authenticate(username=username, password="demo") is not None
        assert username in output
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert list(access.teams_visible_to(admin)) == []


def test_seed_demo_is_idempotent():
    seed()
    counts = (User.objects.count(), DealTeam.objects.count(), Membership.objects.count(), Membership.history.count())
    seed()
    assert (
        User.objects.count(),
        DealTeam.objects.count(),
        Membership.objects.count(),
        Membership.history.count(),
    ) == counts


def test_seed_demo_restores_a_changed_demo_password():
    seed()
    member = User.objects.get(username="member")
    member.set_password("something-else-entirely")
    member.save()
    seed()
    assert authenticate(username="member", password="demo") is not None


def test_seed_demo_has_a_counterparty_contact_with_open_and_answered_requests_on_ct053():
    from diligence.models import CounterpartyRequest

    output = seed()
    licensor = authenticate(username="licensor", password="demo")
    assert licensor is not None and licensor.is_counterparty and "licensor" in output
    assert access.team_roles(licensor) == {} and access.contact_of(licensor) is not None
    requests = CounterpartyRequest.objects.filter(request_list__contact__user=licensor)
    assert set(requests.values_list("request_list__asset__code", flat=True)) == {"CT053"}
    statuses = set(requests.values_list("status", flat=True))
    assert {"open", "answered"} <= statuses
    seed()
    assert CounterpartyRequest.objects.filter(request_list__contact__user=licensor).count() == requests.count()


def test_seed_demo_loads_the_hospital_directory_without_duplicating_the_demo_hospitals():
    output = seed()
    assert "hospital directory:" in output
    xian = Hospital.objects.get(name_en="Second Affiliated Hospital of Xi'an Jiaotong University")
    assert xian.grade_verified  # the demo's own (illustrative) verification stands
    assert xian.aliases.filter(text="西安交大二附院").exists()
    assert Hospital.objects.filter(name_en="Changzheng Hospital").count() == 1
    counts = (Hospital.objects.count(), HospitalAlias.objects.count())
    seed()
    assert (Hospital.objects.count(), HospitalAlias.objects.count()) == counts

"""The Django admin: staff administer people and teams; deal data is never registered there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.management import call_command

from diligence.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_non_staff_are_sent_to_the_admin_login(client_as):
    for role in ("member", "lead", "partner", "outsider"):
        response = client_as(role).get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_demo_admin_manages_teams_and_memberships(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    client = client_for(User.objects.get(username="admin"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/diligence/dealteam/").status_code == 200
    assert client.get("/admin/diligence/membership/").status_code == 200
    assert client.get("/admin/diligence/user/").status_code == 200


def test_only_people_and_teams_are_registered_in_the_admin():
    registered = {f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry}
    deal_data = {label for label in registered if label.startswith("assets.")}
    assert deal_data == set()
    assert {"diligence.user", "diligence.dealteam", "diligence.membership"} <= registered

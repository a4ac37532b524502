"""The Django admin: staff administer people and teams; deal data is never registered there."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

from teams.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_non_staff_are_sent_to_the_admin_login(client_as):
    for role in ("member", "lead", "partner", "outsider"):
        response = client_as(role).get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_demo_admin_manages_teams_and_memberships(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = client_for(User.objects.get(username="admin"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/teams/dealteam/").status_code == 200
    assert client.get("/admin/teams/membership/").status_code == 200
    assert client.get("/admin/teams/user/").status_code == 200


def test_only_people_and_teams_are_registered_in_the_admin():
    registered = {model._meta.label_lower for model in apps.get_models() if admin.site.is_registered(model)}
    deal_data = {label for label in registered if label.startswith("assets.")}
    assert deal_data == set()
    assert {"teams.user", "teams.dealteam", "teams.membership"} <= registered


# --- checklist templates in the admin -------------------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return client_for(User.objects.get(username="admin"))


def test_staff_edit_a_draft_with_nested_inlines_then_preview_diff_and_publish(admin_client):
    from diligence.models import ChecklistTemplate, TemplateVersion

    template = ChecklistTemplate.objects.get()
    response = admin_client.post(
        "/admin/diligence/checklisttemplate/", {"action": "start_new_draft", "_selected_action": [template.pk]}
    )
    draft = TemplateVersion.objects.get(status="draft")
    assert response["Location"] == f"/admin/diligence/templateversion/{draft.pk}/change/"
    page = admin_client.get(response["Location"])
    assert page.status_code == 200 and "djn-group" in page.content.decode()  # nested inlines rendered

    item = draft.items.get(key="consent-versions")
    item.text = "Consent form versions match the approved protocol, site by site"
    item.save()
    assert "site by site" in admin_client.get(f"/admin/diligence/templateversion/{draft.pk}/preview/").content.decode()
    diff = admin_client.get(f"/admin/diligence/templateversion/{draft.pk}/diff/").content.decode()
    assert "changed" in diff and "consent-versions" in diff
    hand_edited = admin_client.get(f"/admin/diligence/templateversion/{draft.pk}/diff/", {"against": "abc"})
    assert hand_edited.status_code == 200 and "consent-versions" in hand_edited.content.decode()  # the one before

    assert admin_client.post(f"/admin/diligence/templateversion/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by is not None and draft.published_by.username == "admin"
    frozen = admin_client.get(f"/admin/diligence/templateversion/{draft.pk}/change/").content.decode()
    assert 'name="_save"' not in frozen  # read-only once published


def test_team_members_cannot_reach_template_admin(client_as):
    for role in ("member", "lead", "partner"):
        response = client_as(role).get("/admin/diligence/templateversion/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_new_draft_button_opens_the_templates_draft(admin_client):
    from diligence.models import ChecklistTemplate, TemplateVersion

    template = ChecklistTemplate.objects.get()
    url = f"/admin/diligence/checklisttemplate/{template.pk}/new-draft/"
    page = admin_client.get(f"/admin/diligence/checklisttemplate/{template.pk}/change/").content.decode()
    assert f'action="{url}"' in page and "New draft (a copy of version 1)" in page
    assert admin_client.get(url).status_code == 403  # a button, never a link: only POST makes a draft
    assert not TemplateVersion.objects.filter(status="draft").exists()
    response = admin_client.post(url)
    draft = TemplateVersion.objects.get(status="draft")
    assert response["Location"] == f"/admin/diligence/templateversion/{draft.pk}/change/"
    assert admin_client.post(url)["Location"] == response["Location"]  # one draft at a time
    page = admin_client.get(f"/admin/diligence/checklisttemplate/{template.pk}/change/").content.decode()
    assert "Open the draft (version 2)" in page


def test_staff_edit_the_house_policy_and_every_assets_findings_follow(admin_client):
    from decimal import Decimal

    from diligence.models import Finding, HousePolicy

    assert Finding.objects.filter(rule_id="efficacy-claim-hygiene", status="open").exists()
    add = admin_client.get("/admin/diligence/housepolicy/add/")
    assert add.status_code == 200 and "house policy" in add.content.decode().lower()
    response = admin_client.post(
        "/admin/diligence/housepolicy/add/",
        {
            "max_upfront_share": "0.100",
            "max_upfront_usd": "80000000",
            "min_response_rate_patients": "1",
            "min_median_follow_up_months": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = HousePolicy.objects.get()
    assert (policy.min_response_rate_patients, policy.min_median_follow_up_months) == (1, Decimal("0"))
    assert policy.history.latest().history_user.username == "admin"
    # Recomputed at once for every team's assets: no claim falls short of a one-patient, zero-month policy.
    assert not Finding.objects.filter(rule_id="efficacy-claim-hygiene", status__in=Finding.ACTIVE).exists()
    assert admin_client.get("/admin/diligence/housepolicy/add/").status_code == 403  # one row only


def test_the_house_policy_is_not_editable_by_team_members(client_as):
    for role in ("member", "lead", "partner"):
        response = client_as(role).get("/admin/diligence/housepolicy/")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

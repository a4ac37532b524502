from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.services import membership_set
from tests.conftest import CsrfClient
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


def test_login_with_csrf_then_land_on_the_only_team(world):
    client = CsrfClient()
    response = client.post(reverse("login"), {"username": "member", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/teams/phoenix/"
    assert b"Phoenix" in response.content


def test_login_refuses_a_wrong_password_with_a_clear_error(world):
    response = CsrfClient().post(reverse("login"), {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_login_form_without_csrf_token_is_refused(world):
    client = CsrfClient()
    response = client.post(reverse("login"), {"username": "member", "password": TEST_PASSWORD}, HTTP_X_CSRFTOKEN="")
    assert response.status_code == 403


def test_logout_is_a_post(client_as):
    client = client_as("member")
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("diligence:team_home", args=["phoenix"])).status_code == 302


def test_home_lists_teams_when_there_are_several(world, client_as):
    membership_set(team=world.atlas, user=world.lead, role="member", actor=None)
    response = client_as("lead").get(reverse("diligence:home"))
    assert response.status_code == 200
    assert [team.slug for team in response.context["teams"]] == ["atlas", "phoenix"]


def test_home_explains_when_the_user_is_on_no_team(client_as):
    response = client_as("staff").get(reverse("diligence:home"))
    assert b"not on any deal team" in response.content


def test_team_home_shows_members_and_navigation_of_own_teams_only(world, client_as):
    response = client_as("member").get(reverse("diligence:team_home", args=["phoenix"]))
    body = response.content.decode()
    assert response.status_code == 200
    for username in ("member", "lead", "partner"):
        assert f"<code>{username}</code>" in body
    assert "outsider" not in body
    assert 'href="/teams/atlas/"' not in body
    assert 'aria-current="page"' in body


def test_only_the_lead_sees_membership_changes(client_as):
    url = reverse("diligence:team_home", args=["phoenix"])
    assert b"Membership changes" in client_as("lead").get(url).content
    assert b"Membership changes" not in client_as("member").get(url).content


def test_pages_send_the_csrf_token_for_htmx_and_load_htmx_from_our_static_files(client_as):
    body = client_as("member").get(reverse("diligence:team_home", args=["phoenix"])).content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in body
    assert "https://" not in body


def test_team_home_query_count_does_not_grow_with_members(world, client_as):
    url = reverse("diligence:team_home", args=["phoenix"])
    client = client_as("lead")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    MembershipFactory.create_batch(30, team=world.phoenix)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_outsider_gets_the_plain_404_page(client_as):
    response = client_as("outsider").get(reverse("diligence:team_home", args=["phoenix"]))
    assert response.status_code == 404
    assert b"nothing you have access to" in response.content


def test_dashboard_shows_answers_red_flags_and_due_items(world, client_as):
    import datetime as dt

    from django.utils import timezone

    from diligence.services.checklists import review_item_update, review_start
    from diligence.services.findings import findings_recompute
    from tests.factories import EthicsApprovalFactory, StudySiteFactory

    site = StudySiteFactory(study__asset__team=world.phoenix, study__asset__code="DASH-1")
    assert site.study.asset is not None and site.first_enrolled_on is not None
    # Approved the day after its first enrolment: a proven breach, so red however much else is unknown.
    EthicsApprovalFactory(study_site=site, approval_date=site.first_enrolled_on + dt.timedelta(days=1))
    findings_recompute(asset_id=site.study.asset.pk)
    item = review_start(asset=site.study.asset, user=world.member).items.all()[0]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    review_item_update(item=item, user=world.member, changes={"due_on": yesterday}, expected_version=None)
    response = client_as("partner").get(reverse("diligence:team_home", args=["phoenix"]))
    dashboard = response.context["dashboard"]
    assert [(a.code, a.light) for a in dashboard.assets] == [("DASH-1", "red")]
    assert dict((s, n) for s, _label, n in dashboard.findings_by_severity)["high"] >= 1
    assert [i.pk for i in dashboard.overdue] == [item.pk]
    body = response.content.decode()
    assert '<svg class="chart"' in body and "<caption" in body  # each chart beside its table


def test_dashboard_query_count_does_not_grow_with_assets(world, client_as):
    from diligence.services.checklists import review_start
    from diligence.services.findings import findings_recompute
    from tests.factories import StudySiteFactory

    def add_assets(n):
        for _ in range(n):
            site = StudySiteFactory(study__asset__team=world.phoenix)
            assert site.study.asset is not None
            findings_recompute(asset_id=site.study.asset.pk)
            review_start(asset=site.study.asset, user=None)

    client = client_as("member")
    url = reverse("diligence:team_home", args=["phoenix"])
    add_assets(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_assets(8)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    # Session, user and roles; the team; its assets with their kept standing (each light, the findings by severity,
    # the progress); the due lists with the overdue counts; the members.
    assert len(many) == len(few) == 7

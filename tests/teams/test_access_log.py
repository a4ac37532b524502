"""The access log: every view, download and export of a team's records is appended, only the lead reads it, and
nothing can change or remove an entry."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.models import AccessLogEntry, AppendOnlyError
from teams.services.access_log import access_log_record

pytestmark = pytest.mark.django_db


def only_entry() -> AccessLogEntry:
    return AccessLogEntry.objects.get()


@pytest.mark.parametrize(
    ("url_name", "param", "action", "kind"),
    [
        ("assets:asset_detail", "asset", "view", "asset"),
        ("assets:dossier_download", "asset", "download", "dossier"),
        ("diligence:evidence_download", "evidence_file", "download", "evidence"),
        ("diligence:memo_download", "memo", "download", "memo"),
        ("diligence:review_export_csv", "review", "export", "review"),
        ("diligence:review_export_xlsx", "review", "export", "review"),
        ("diligence:review_detail", "review", "view", "review"),
        ("diligence:review_item_detail", "review_item", "view", "reviewitem"),
        ("diligence:asset_findings", "asset", "view", "asset"),
        ("diligence:asset_checklist", "asset", "view", "asset"),
        ("diligence:memo_detail", "memo", "view", "memo"),
        ("diligence:memo_read", "memo", "view", "memo text"),
    ],
)
def test_each_way_of_reaching_team_data_is_logged(world, client_as, url_name, param, action, kind):
    obj = getattr(world.facts, param)
    url = reverse(url_name, args=[obj.pk])
    assert AccessLogEntry.objects.count() == 0

    assert client_as("partner").get(url).status_code == 200

    entry = only_entry()
    assert (entry.user, entry.team, entry.action, entry.object_kind) == (world.partner, world.phoenix, action, kind)
    assert (entry.object_id, entry.object_label, entry.path) == (obj.pk, str(obj), url)
    assert entry.at is not None


def test_asset_tabs_are_logged_with_the_tab_they_showed(world, client_as):
    asset = world.facts.asset
    client_as("member").get(reverse("assets:asset_detail", args=[asset.pk]), {"tab": "deal"}, HTTP_HX_REQUEST="true")
    assert only_entry().path == f"/assets/{asset.pk}/?tab=deal"


def test_a_filtered_review_list_swapped_in_by_htmx_is_logged_with_its_filter(world, client_as):
    url = reverse("diligence:review_detail", args=[world.facts.review.pk])
    client_as("member").get(url, {"status": "done"}, HTTP_HX_REQUEST="true")
    assert only_entry().path == f"{url}?status=done"


def test_refused_access_is_not_logged_as_access(world, client_as):
    for url_name, obj in (("assets:asset_detail", world.facts.asset), ("diligence:memo_download", world.facts.memo)):
        assert client_as("outsider").get(reverse(url_name, args=[obj.pk])).status_code == 404
    assert not AccessLogEntry.objects.exists()


# --- who reads it ---------------------------------------------------------------------------------------------


def test_the_lead_reads_the_log_newest_first(world, client_as):
    asset = world.facts.asset
    access_log_record(request_or_user=world.member, team_id=world.phoenix.pk, action="view", obj=asset)
    access_log_record(request_or_user=world.partner, team_id=world.phoenix.pk, action="export", obj=world.facts.review)
    access_log_record(request_or_user=world.outsider, team_id=world.atlas.pk, action="view", obj=asset)

    response = client_as("lead").get(reverse("teams:access_log", args=["phoenix"]))

    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert [(e.user, e.action) for e in entries] == [(world.partner, "export"), (world.member, "view")]
    page = response.content.decode()
    assert str(world.partner) in page and "Exported" in page and str(world.outsider) not in page


@pytest.mark.parametrize("role", ["member", "partner", "outsider", "staff"])
def test_no_one_but_the_lead_sees_the_log(world, client_as, role):
    access_log_record(request_or_user=world.member, team_id=world.phoenix.pk, action="view", obj=world.phoenix)
    assert client_as(role).get(reverse("teams:access_log", args=["phoenix"])).status_code == 404


def test_anonymous_is_sent_to_log_in(world, client):
    response = client.get(reverse("teams:access_log", args=["phoenix"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_log_is_paginated_in_a_constant_number_of_queries(world, client_as):
    client = client_as("lead")
    url = reverse("teams:access_log", args=["phoenix"])

    def record(count: int) -> None:
        for _ in range(count):
            access_log_record(request_or_user=world.member, team_id=world.phoenix.pk, action="view", obj=world.phoenix)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    record(2)
    few = queries()
    record(58)
    assert queries() == few
    first, second = client.get(url).context["page"], client.get(url, {"page": 2}).context["page"]
    assert (len(first.object_list), len(second.object_list), first.paginator.count) == (50, 10, 60)
    assert first.object_list[0].pk == AccessLogEntry.objects.order_by("-pk")[0].pk  # newest first


# --- append-only ----------------------------------------------------------------------------------------------


def test_entries_cannot_be_changed_or_removed(world):
    entry = access_log_record(request_or_user=world.member, team_id=world.phoenix.pk, action="view", obj=world.phoenix)

    entry.object_label = "nothing to see"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(object_label="nothing to see")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()

    entry.refresh_from_db()
    assert entry.object_label == str(world.phoenix)


def test_the_people_and_teams_in_the_log_cannot_be_deleted_from_under_it(world):
    access_log_record(request_or_user=world.member, team_id=world.phoenix.pk, action="view", obj=world.phoenix)
    with pytest.raises(ProtectedError):
        world.member.delete()
    with pytest.raises(ProtectedError):
        world.phoenix.delete()
    assert AccessLogEntry.objects.count() == 1


def test_an_unknown_action_is_refused(world):
    with pytest.raises(ValueError, match="erase"):
        access_log_record(request_or_user=world.member, team_id=world.phoenix.pk, action="erase", obj=world.phoenix)
    assert not AccessLogEntry.objects.exists()

"""The helpers through which a request reaches the facts: outsiders get 404, partners get 404 on writes, and the
access log is written only when the request got through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from assets.access import asset_access, fact_access, hospital_access
from assets.models import Milestone, StudySite
from teams.models import AccessLogEntry

pytestmark = pytest.mark.django_db

PATH = "/assets/1/dossier/"


def request_as(world, role: str):
    request = RequestFactory().get(PATH)
    request.user = world.user(role) or AnonymousUser()
    return request


@pytest.mark.parametrize("role", ["outsider", "staff", "anonymous"])
def test_outsiders_get_404_for_an_asset_and_nothing_is_logged(world, role):
    with pytest.raises(Http404):
        asset_access(request_as(world, role), world.facts.asset.pk, log="view")
    assert not AccessLogEntry.objects.exists()


def test_a_partner_reads_an_asset_but_gets_404_on_a_write_and_nothing_is_logged(world):
    asset = world.facts.asset
    assert asset_access(request_as(world, "partner"), asset.pk) == asset
    with pytest.raises(Http404):
        asset_access(request_as(world, "partner"), asset.pk, edit=True, log="view")
    assert not AccessLogEntry.objects.exists()
    for role in ("member", "lead"):
        assert asset_access(request_as(world, role), asset.pk, edit=True) == asset
    assert not AccessLogEntry.objects.exists()  # a write is not a logged access


def test_an_asset_reached_is_logged_as_what_was_reached(world):
    asset = asset_access(request_as(world, "partner"), world.facts.asset.pk, log="download", log_kind="dossier")
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.team, entry.action, entry.object_kind) == (
        world.partner,
        world.phoenix,
        "download",
        "dossier",
    )
    assert (entry.object_id, entry.object_label, entry.path) == (asset.pk, str(asset), PATH)


def test_a_missing_asset_is_404_like_another_teams(world):
    with pytest.raises(Http404):
        asset_access(request_as(world, "member"), 987_654, log="view")
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize(("model", "fact"), [(Milestone, "milestone"), (StudySite, "site")])
def test_a_fact_is_reached_along_its_path_to_the_team(world, model, fact):
    pk = getattr(world.facts, fact).pk
    for role in ("outsider", "staff"):
        with pytest.raises(Http404):
            fact_access(request_as(world, role), model, pk)
    assert fact_access(request_as(world, "partner"), model, pk).pk == pk
    with pytest.raises(Http404):
        fact_access(request_as(world, "partner"), model, pk, edit=True)
    assert fact_access(request_as(world, "member"), model, pk, edit=True).pk == pk


def test_the_hospital_directory_is_read_by_all_and_changed_only_by_its_curators(world):
    hospital_id = world.facts.site.hospital_id
    for role in ("member", "partner", "outsider", "staff"):
        assert hospital_access(request_as(world, role), hospital_id).pk == hospital_id
    assert hospital_access(request_as(world, "staff"), hospital_id, edit=True).pk == hospital_id
    for role in ("member", "lead", "partner", "outsider"):  # editing a team's facts is not curating everyone's
        with pytest.raises(Http404):
            hospital_access(request_as(world, role), hospital_id, edit=True)
    with pytest.raises(Http404):
        hospital_access(request_as(world, "member"), 987_654)

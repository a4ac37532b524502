"""A write to a versioned record must say which version it was made to: an edit or delete sent without its version
field is refused (it could not be told from a stale one), and the record stays as it was."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from assets.forms import MISSING_VERSION
from assets.kinds import KINDS
from tests.hostile import forms_on, row_counts

pytestmark = pytest.mark.django_db


def form_values(client, url: str) -> dict[str, str]:
    (form,) = [f for f in forms_on(url, client.get(url).content.decode()) if f.key == ("post", url)]
    return dict(form.fields)


def test_a_fact_edit_or_delete_without_its_version_is_refused_for_every_kind(world, client_as):
    client = client_as("member")
    for kind in KINDS:
        fact = getattr(world.facts, kind.slug)  # PhoenixFacts names each fact by its kind's slug
        with transaction.atomic():  # each kind on the same facts: whatever went through is rolled back
            edit = reverse(f"assets:{kind.slug}_edit", args=[fact.pk])
            values = form_values(client, edit)
            assert values.pop("version") == str(fact.version)
            before = row_counts()
            response = client.post(edit, values)
            assert response.status_code == 200, kind.slug
            assert "sent without the version of the record" in response.content.decode(), kind.slug
            delete = client.post(reverse(f"assets:{kind.slug}_delete", args=[fact.pk]), {"version": ""})
            assert delete.status_code == 400, kind.slug
            assert "sent without the version of the record" in delete.content.decode()
            assert row_counts() == before, kind.slug
            # The same edit with its version goes through.
            assert client.post(edit, values | {"version": str(fact.version)}).status_code == 302, kind.slug
            transaction.set_rollback(True)


def test_an_asset_edit_or_delete_without_its_version_is_refused(world, client_as):
    asset = world.facts.asset
    client = client_as("member")
    values = form_values(client, reverse("assets:asset_edit", args=[asset.pk]))
    del values["version"]
    before = row_counts()
    edit = client.post(reverse("assets:asset_edit", args=[asset.pk]), values | {"name": "Renamed"})
    assert edit.status_code == 200 and MISSING_VERSION in edit.content.decode().replace("&#x27;", "'")
    delete = client.post(reverse("assets:asset_delete", args=[asset.pk]))
    assert delete.status_code == 400 and "sent without the version" in delete.content.decode()
    assert row_counts() == before


def test_a_hospital_edit_without_its_version_is_refused(world, client_as):
    hospital = world.facts.site.hospital
    client = client_as("staff")  # the directory is curated: staff edit it
    values = form_values(client, reverse("assets:hospital_edit", args=[hospital.pk]))
    del values["version"]
    response = client.post(reverse("assets:hospital_edit", args=[hospital.pk]), values | {"city": "Elsewhere"})
    assert response.status_code == 200 and "sent without the version" in response.content.decode()
    hospital.refresh_from_db()
    assert hospital.city != "Elsewhere"

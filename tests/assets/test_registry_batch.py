"""A registry batch: the same record twice says the second replaced the first; one file may add only so many sites
and directory hospitals, refused whole with a clear reason while the other files go in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assets.models import Hospital, Study
from tests.assets.jobs import run_and_poll
from tests.assets.test_registry_views import upload

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registry"
SEARCH = FIXTURES / "ctgov_search.json"  # three studies: 4, 4 and 1 sites
SINGLE = FIXTURES / "NCT00973089.json"


def test_the_same_record_twice_in_a_batch_says_the_second_copy_replaced_the_first(world, client_as):
    files = [upload(SINGLE, "first.json"), upload(SINGLE, "second.json")]
    client = client_as("member")
    response = client.post(reverse("assets:registry_import"), {"team": world.phoenix.pk, "files": files})
    text = run_and_poll(client, response)
    assert "1 created, 0 updated, 0 unchanged, 1 replaced an earlier copy in this batch; 0 files failed." in text
    assert "this copy replaced the one in first.json" in text
    assert Study.objects.filter(nct_id="NCT00973089").count() == 1


def test_the_command_line_says_so_too(world):
    out = io.StringIO()
    call_command("import_ctgov", str(SINGLE), str(SINGLE), team="phoenix", stdout=out)
    lines = out.getvalue().splitlines()
    assert "NCT00973089 created" in lines[0]
    assert "NCT00973089 replaced" in lines[1] and f"replaced the copy in {SINGLE}" in lines[1]


def test_a_file_with_more_sites_than_one_file_may_add_is_refused_whole(world, client_as, settings):
    settings.DILIGENCE_REGISTRY_MAX_SITES_PER_FILE = 8  # the search file lists 9 across its studies
    hospitals = Hospital.objects.count()
    files = [upload(SEARCH), upload(SINGLE)]
    client = client_as("member")
    response = client.post(reverse("assets:registry_import"), {"team": world.phoenix.pk, "files": files})
    text = run_and_poll(client, response)
    assert "the file lists more than 8 sites, the most one file may add" in text
    assert "1 created, 0 updated, 0 unchanged; 1 file failed." in text
    assert list(Study.objects.values_list("nct_id", flat=True)) == ["NCT00973089"]  # the other file went in
    assert Hospital.objects.count() == hospitals + 1


def test_a_file_adding_more_hospitals_than_allowed_to_the_directory_is_refused_whole(world, settings):
    settings.DILIGENCE_REGISTRY_MAX_NEW_HOSPITALS_PER_FILE = 3
    hospitals = Hospital.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 files failed"):
        call_command("import_ctgov", str(SEARCH), team="phoenix", stdout=io.StringIO(), stderr=err)
    assert "would add more than 3 hospitals to the shared directory" in err.getvalue()
    assert Hospital.objects.count() == hospitals and not Study.objects.exists()

"""Files go when their rows go (after commit), and orphan_files finds and removes what no row names."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from diligence.stored_files import orphan_files

pytestmark = pytest.mark.django_db


def stored_names(world) -> list[str]:
    names = [world.facts.evidence_file.file.name, world.facts.memo.pdf.name]
    assert all(names) and all(default_storage.exists(name) for name in names)
    return names


def test_deleting_an_asset_removes_its_evidence_files_and_memo_pdfs_after_commit(
    world, client_as, django_capture_on_commit_callbacks
):
    names = stored_names(world)
    asset = world.facts.asset
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_as("member").post(reverse("assets:asset_delete", args=[asset.pk]), {"version": asset.version})
    assert response.status_code == 302
    assert all(default_storage.exists(name) for name in names)  # not before the commit
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in names)


def test_a_delete_that_rolls_back_keeps_the_files(world):
    names = stored_names(world)
    with transaction.atomic():
        world.facts.asset.delete()
        transaction.set_rollback(True)
    assert all(default_storage.exists(name) for name in names)


def test_orphan_files_lists_and_deletes_only_what_no_row_names(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # a storage of this test's own: other tests' rolled-back rows leave files behind
    names = stored_names(world)
    stray = default_storage.save(f"evidence/{world.phoenix.pk}/stray", ContentFile(b"left behind"))
    fresh = default_storage.save(f"memos/{world.phoenix.pk}/fresh.pdf", ContentFile(b"still committing"))
    hour_ago = time.time() - 3600 * 2
    os.utime(default_storage.path(stray), (hour_ago, hour_ago))
    assert orphan_files(older_than=dt.timedelta(hours=1)) == [stray]
    out = io.StringIO()
    call_command("orphan_files", stdout=out)
    assert f"orphan: {stray}" in out.getvalue() and "1 orphan file found." in out.getvalue()
    assert default_storage.exists(stray)
    call_command("orphan_files", "--delete", stdout=out)
    assert not default_storage.exists(stray)
    assert default_storage.exists(fresh) and all(default_storage.exists(name) for name in names)
    default_storage.delete(fresh)

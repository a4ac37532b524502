"""Files go when their rows go. Evidence files and memo PDFs are removed from storage once the transaction that
deleted their rows has committed (never before: a rollback would leave rows naming files that are gone), however
the rows went: one at a time, or with the asset, review or team they hang off (Django sends ``post_delete`` for
every row a cascade removes). ``orphan_files`` finds what is stored yet named by no row, for ``manage.py
orphan_files``: files left by deletes before this rule, or by a process killed between writing a file and its row.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from functools import partial

from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from diligence.models import Evidence, Memo

logger = logging.getLogger(__name__)

# Every model that owns stored files, with its file fields; and the folders their names start with.
FILE_FIELDS: dict[type[Model], tuple[str, ...]] = {Evidence: ("file",), Memo: ("pdf",)}
FOLDERS = ("evidence", "memos")


def files_delete_after_commit(sender: type[Model], instance: Model, **kwargs: object) -> None:
    """``post_delete`` receiver: the row's files are deleted when (and if) its deletion commits."""
    for name in FILE_FIELDS.get(sender, ()):
        stored: FieldFile = getattr(instance, name)
        if stored.name:
            transaction.on_commit(partial(_delete, stored.storage, stored.name))


def _delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError as error:  # the row is gone either way; what is left is found again by orphan_files
        logger.warning("could not delete stored file %s: %s", name, error)


def orphan_files(*, older_than: dt.timedelta, storage: Storage = default_storage) -> list[str]:
    """Stored files under FOLDERS that no row names, written more than ``older_than`` ago (younger ones may
    belong to an upload whose row is not committed yet)."""
    named = {
        value
        for model, fields in FILE_FIELDS.items()
        for field in fields
        for value in model._base_manager.exclude(**{field: ""}).values_list(field, flat=True)
    }
    cutoff = timezone.now() - older_than
    return sorted(name for name in _stored(storage) if name not in named and storage.get_modified_time(name) < cutoff)


def _stored(storage: Storage) -> Iterator[str]:
    pending = [folder for folder in FOLDERS if storage.exists(folder)]
    while pending:
        folder = pending.pop()
        folders, files = storage.listdir(folder)
        pending.extend(f"{folder}/{name}" for name in folders)
        yield from (f"{folder}/{name}" for name in files)

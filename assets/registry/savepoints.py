"""The savepoints a registry file's import does without.

A file is imported in one transaction that is rolled back whole on any error. Inside it, the savepoints that
services and model validation take around each step (so that a caller could carry on after one step failed: the
nested ``transaction.atomic`` of ``fact_save`` and ``company_for_name``, the check-constraint query, Django's test of
each conditional unique constraint) protect nothing, and cost two statements each: 16 of the 35 a record took.

Django's atomic blocks take no savepoint while the connection's features say it has none: ``Atomic.__enter__`` asks
``BaseDatabaseWrapper.savepoint()``, which returns None unless ``features.uses_savepoints``. An error inside a nested
block then marks the whole transaction for rollback, which is what the file's import does anyway. SQLite's backend
decides its savepoints by itself (inside any atomic block) and keeps taking them: the embedded default imports the
same, in 16 statements more. Private Django API, checked against Django 6.1 (there is no public way to say "no
savepoints in here"); ``tests/test_django_internals.py`` fails, naming this module, when an upgrade changes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def savepoints_skipped(using: str | None = None) -> Iterator[None]:
    """No savepoints inside the block, which must be inside an atomic block of its own whose failure rolls back
    everything the block wrote (and which, being entered first, keeps its own savepoint where it has one)."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError("savepoints_skipped() belongs inside an atomic block that is rolled back whole on error")
    features = connection.features
    features.uses_savepoints = False  # an instance attribute over the class's True, for this connection alone
    try:
        yield
    finally:
        del features.uses_savepoints  # the class's value again, before the enclosing block commits or rolls back

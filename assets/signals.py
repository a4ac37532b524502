"""Signals the facts send. ``diligence`` listens (findings are recomputed); ``assets`` never imports ``diligence``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal

# Sent inside the writing transaction with ``team_id`` and ``asset_ids`` (the assets whose facts moved).
facts_changed = Signal()

# Sent inside the writing transaction when a shared fact changed (a hospital of the directory, which no team owns),
# with ``description`` (what changed, in words) and ``assets_by_team``: every team's assets that stand on it.
shared_facts_changed = Signal()

_batch: ContextVar[dict[int, set[int]] | None] = ContextVar("facts_changed_batch", default=None)


def announce(*, sender: type, team_id: int, asset_ids: set[int]) -> None:
    """Send ``facts_changed`` now, or, inside ``facts_batch()``, once for the whole batch when it ends."""
    pending = _batch.get()
    if pending is None:
        facts_changed.send(sender=sender, team_id=team_id, asset_ids=asset_ids)
    else:
        pending.setdefault(team_id, set()).update(asset_ids)


@contextmanager
def facts_batch() -> Iterator[None]:
    """Coalesce the change signals of many writes (an import, the demo seed) into one per team, sent at the end
    of the block, still inside the caller's transaction. Nested batches join the outermost one."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set({})
    try:
        yield
        pending = _batch.get() or {}
    finally:
        _batch.reset(token)
    for team_id, asset_ids in pending.items():
        facts_changed.send(sender=facts_batch, team_id=team_id, asset_ids=asset_ids)


# Sent inside the writing transaction when the watch found a new version of a study's registry record
# (``version``: a RegistryRecordVersion waiting for a decision), and when a member decided on one (``version``,
# ``user``: accepted into the facts, or kept out with a note).
registry_version_arrived = Signal()
registry_version_decided = Signal()

"""A change tried and undone: what it would write and what that would do, before anyone confirms it.

``dry_run`` runs a write inside a savepoint, with its change signals coalesced as in any import (``facts_batch``), so
every listener reacts exactly as it would to the real change: ``diligence`` recomputes the findings and, seeing a
dry run in progress, reports which findings would appear, disappear or change. Then everything is rolled back:
no row written, and nothing registered with ``transaction.on_commit`` (a notice sent, a task queued) ever runs.
``assets`` states only the container; what the effects are is said by whoever listens.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from assets.signals import facts_batch


@dataclass
class DryRun:
    """What a tried change would do, as the listeners of ``facts_changed`` told it: JSON-ready dicts."""

    effects: list[dict[str, Any]] = field(default_factory=list)


_current: ContextVar[DryRun | None] = ContextVar("facts_dry_run", default=None)


def dry_run_current() -> DryRun | None:
    """The dry run in progress in this context, if any: listeners add what the change would do to it."""
    return _current.get()


class _Undo(Exception):
    """Raised inside the savepoint to roll it back once the write and its listeners have run."""


def dry_run[T](write: Callable[[], T]) -> tuple[T, DryRun]:
    """``write()``'s result and what it would do, with nothing of it kept. An exception ``write`` raises (a refused
    record) propagates after the rollback, as it would from the real write."""
    run = DryRun()
    token = _current.set(run)
    result: list[T] = []
    try:
        with transaction.atomic():
            with facts_batch():
                result.append(write())
            raise _Undo  # the batch has ended: its listeners have run inside the savepoint
    except _Undo:
        pass
    finally:
        _current.reset(token)
    return result[0], run

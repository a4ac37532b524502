"""Keeping each asset's ``AssetStanding``: rewritten from the asset's findings and checklist items in the transaction
that changes them, so the team dashboard never shows counts its rows do not hold.

Saves and deletes of a finding or an item reach here through ``diligence.receivers``; the services that write such
rows in bulk (which sends no signal) call ``standings_refresh`` themselves. Each refresh counts from the rows, never
by adding to the kept numbers, so a refresh can be repeated and no count drifts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from assets.models import Asset
from diligence.models import AssetStanding, Finding, Review, Severity
from diligence.models.standing import FINDING_COUNTS, Counts
from diligence.progress import critical_unfinished, progress_counts
from diligence.rules.verdict import light_conditions

FINDINGS, CHECKLIST = "findings", "checklist"
BOTH = frozenset({FINDINGS, CHECKLIST})
CHUNK = 2_000  # assets counted per pair of queries when many are refreshed at once
UPDATE_BATCH = 200  # rows per UPDATE when many are written: its CASE per column grows with the rows it names

# While a service saves many rows one by one: the assets it touched, and which of their counts, to refresh once.
_deferred: ContextVar[dict[int, set[str]] | None] = ContextVar("standings_deferred", default=None)


def standings_refresh(asset_ids: Iterable[int], *, parts: Iterable[str] = BOTH) -> None:
    """Count again what ``parts`` (findings, checklist, or both) keep of each asset: now, or as the outermost
    ``standings_deferred`` block around this call ends."""
    ids, wanted = set(asset_ids), set(parts)
    if not ids or not wanted:
        return
    pending = _deferred.get()
    if pending is None:
        _write(ids, wanted)
        return
    for asset_id in ids:
        pending.setdefault(asset_id, set()).update(wanted)


@contextmanager
def standings_deferred() -> Iterator[None]:
    """Within, refreshes are noted and each asset is counted once as the block ends. The block is part of a
    transaction (its own, or the one around it, without a savepoint): an error that escapes it rolls back its writes
    with the refreshes they called for, even where a caller outside catches the error. Nested blocks count at the end
    of the outermost."""
    if _deferred.get() is not None:
        yield
        return
    pending: dict[int, set[str]] = {}
    token = _deferred.set(pending)
    with transaction.atomic(savepoint=False):
        try:
            yield
        finally:
            _deferred.reset(token)
        _write_pending(pending)


def _write_pending(pending: dict[int, set[str]]) -> None:
    """The noted assets, written together where they want the same parts counted."""
    by_parts: dict[frozenset[str], set[int]] = {}
    for asset_id, parts in pending.items():
        by_parts.setdefault(frozenset(parts), set()).add(asset_id)
    for counted_parts, ids in by_parts.items():
        _write(ids, set(counted_parts))


def standings_rebuild(*, asset_ids: Iterable[int] | None = None) -> int:
    """Count every asset's standing (or those of ``asset_ids``) afresh, in chunks: after rows were written without
    the services (the benchmark's bulk load), or to repair. Returns how many assets were counted."""
    ids = sorted(asset_ids if asset_ids is not None else Asset.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        _write(set(ids[start : start + CHUNK]), set(BOTH))
    return len(ids)


def standings_of_unkept_assets() -> int:
    """Count the assets that have no standing row yet: stored before this install kept standings, or written in bulk
    around the services. Returns how many were counted."""
    return standings_rebuild(asset_ids=Asset.objects.filter(standing__isnull=True).values_list("pk", flat=True))


def standings_counted(asset_ids: Iterable[int]) -> dict[int, Counts]:
    """What a refresh would keep for each existing asset of ``asset_ids``, counted from its rows now."""
    ids = set(asset_ids)
    findings = _finding_counts(ids)
    checklist = _checklist_counts(ids)
    return {asset_id: findings[asset_id] | checklist[asset_id] for asset_id in findings}


def standings_differing() -> dict[int, tuple[Counts, Counts]]:
    """Every asset whose kept standing differs from a fresh count of its rows: (kept, counted) by asset id. An asset
    without a row is kept as having no findings and no review."""
    unkept = AssetStanding().counts
    kept = {row.asset_id: row.counts for row in AssetStanding.objects.all()}
    counted = standings_counted(Asset.objects.values_list("pk", flat=True))
    return {pk: (kept.get(pk, unkept), values) for pk, values in counted.items() if kept.get(pk, unkept) != values}


@transaction.atomic(savepoint=False)  # the lock below lasts until the writes' transaction ends: one is needed
def _write(ids: set[int], parts: set[str]) -> None:
    """Count the parts of each asset's standing and store them.

    Each asset's row is locked before its rows are counted. A transaction refreshing the same asset waits at the
    lock until this one commits; its counts, read after the lock (each statement sees what was committed before it
    began), then include this one's rows. Counted before the lock, the later writer would store counts that miss the
    earlier one's change. An asset without a row yet gets one first (a concurrent first insert of the same row waits
    for the other to commit), counted in both parts, so no row keeps a part at its defaults. Rows are locked in
    asset order, except that rows written for the first time are locked after the rest: two transactions each
    counting several assets for the first time could then wait on each other, which PostgreSQL ends by failing one
    of them (its writes roll back with its counts)."""
    kept = _locked(ids)
    missing = ids - kept
    if missing:
        AssetStanding.objects.bulk_create([AssetStanding(asset_id=pk) for pk in sorted(missing)], ignore_conflicts=True)
        missing = _locked(missing)  # the rows just written (or a concurrent writer's, once it has committed)
    findings_for = (kept if FINDINGS in parts else set()) | missing
    checklist_for = (kept if CHECKLIST in parts else set()) | missing
    counted: dict[int, Counts] = {pk: {} for pk in kept | missing}
    for pk, values in (_finding_counts(findings_for) if findings_for else {}).items():
        counted[pk].update(values)
    for pk, values in (_checklist_counts(checklist_for) if checklist_for else {}).items():
        counted[pk].update(values)
    # Grouped by the counts each row carries (one part, or both for a row counted afresh): one UPDATE per group.
    groups: dict[tuple[str, ...], list[AssetStanding]] = {}
    now = timezone.now()
    for pk, values in counted.items():
        if values:
            groups.setdefault(tuple(values), []).append(AssetStanding(asset_id=pk, refreshed_at=now, **values))
    for fields, rows in groups.items():
        if len(rows) == 1:
            AssetStanding.objects.filter(asset_id=rows[0].asset_id).update(
                refreshed_at=now, **{name: getattr(rows[0], name) for name in fields}
            )
        else:
            AssetStanding.objects.bulk_update(rows, [*fields, "refreshed_at"], batch_size=UPDATE_BATCH)


def _locked(ids: set[int]) -> set[int]:
    """Lock the kept rows of ``ids``, in asset order (so two writers of the same assets take them in turn)."""
    rows = AssetStanding.objects.select_for_update().filter(asset_id__in=ids).order_by("pk")
    return set(rows.values_list("pk", flat=True))


def _finding_counts(ids: set[int]) -> dict[int, Counts]:
    """Per existing asset, its active findings by light and by severity (one query)."""
    lights = light_conditions("findings__")
    active = Q(findings__status__in=Finding.ACTIVE)
    by_severity = {
        f"severity_{value}": Count("findings", filter=active & Q(findings__severity=value)) for value in Severity.values
    }
    rows: Iterable[Mapping[str, Any]] = (
        Asset.objects.filter(pk__in=ids)
        .order_by()
        .values("pk")
        .annotate(
            red=Count("findings", filter=lights.red),
            not_established=Count("findings", filter=lights.not_established),
            amber=Count("findings", filter=lights.amber),
            **by_severity,
        )
    )
    return {row["pk"]: {name: row[name] for name in FINDING_COUNTS} for row in rows}


def _checklist_counts(ids: set[int]) -> dict[int, Counts]:
    """Per asset of ``ids``, its live items per question and its critical items unfinished (one query); an asset
    without a review is not reviewed, with nothing to count."""
    rows: Iterable[Mapping[str, Any]] = (
        Review.objects.filter(asset_id__in=ids)
        .order_by()
        .values("asset_id", "items__question")
        .annotate(
            **progress_counts(today=None, via="items"), critical=Count("items", filter=critical_unfinished("items__"))
        )
    )
    counted: dict[int, Counts] = {pk: {"reviewed": False, "critical_unfinished": 0, "progress": {}} for pk in ids}
    for row in rows:
        values = counted[row["asset_id"]]
        values["reviewed"] = True
        values["critical_unfinished"] += row["critical"]
        question = row["items__question"]  # None for a review without items
        if question is not None:
            kept = values["progress"].setdefault(question, [0, 0, 0])
            for place, name in enumerate(("total", "finished", "blocked")):
                kept[place] += row[name]
    return counted

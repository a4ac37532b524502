"""Writing the search index: what changed is marked in the writing transaction, and a worker rewrites the entries
of the assets (and directory hospitals) it touched once that transaction commits.

Entries are derived data: ``search_index_rebuild`` (``manage.py search_index --rebuild``) writes them all again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from assets.models import Asset, Hospital, Study
from diligence.models import (
    CounterpartyRequest,
    Evidence,
    Finding,
    ItemComment,
    Memo,
    Review,
    ReviewItem,
    SearchEntry,
)
from diligence.search import documents
from diligence.search.extract import file_text
from diligence.services import queue

logger = logging.getLogger(__name__)
Kind = SearchEntry.Kind
BATCH = 1000
# What a change is marked by: the record that changed, by the name below and its id.
MARK_KINDS = ("asset", "team", "review", "item", "request", "hospital")


# The marks of the connection's open transaction. Connections are per thread, so each request (or task) keeps its
# own, however the web server runs them.
_MARKS = "_search_index_marks"


def search_index_later(kind: str, pk: int | None) -> None:
    """Mark a record whose searchable text changed; the marks go to a worker when the transaction commits.

    One message per commit, however many records a transaction wrote. Marks of a transaction that rolled back (and
    of a message the broker refused) go with the next commit: indexing an unchanged or deleted record is harmless.
    """
    if pk is None:
        return
    if kind not in MARK_KINDS:
        raise ValueError(f"unknown search mark {kind!r}")
    connection = transaction.get_connection()
    marks: set[tuple[str, int]] = connection.__dict__.setdefault(_MARKS, set())
    marks.add((kind, pk))
    # The first callback to run after the commit sends them all; the others find nothing left.
    transaction.on_commit(lambda: _send_marks(connection))


def _send_marks(connection: BaseDatabaseWrapper) -> None:
    marks: set[tuple[str, int]] = connection.__dict__.pop(_MARKS, set())
    if not marks:
        return
    try:
        queue.send(queue.SEARCH_INDEX, args=[sorted([kind, pk] for kind, pk in marks)])
    except Exception:  # the broker is down: the write stands, its index entries wait for the next commit
        logger.exception("search index marks kept for the next commit: the task queue refused them")
        connection.__dict__.setdefault(_MARKS, set()).update(marks)


def search_index(marks: Iterable[tuple[str, int]]) -> int:
    """Rewrite the entries of everything the marks reach; the number of entries written."""
    by_kind: dict[str, set[int]] = {kind: set() for kind in MARK_KINDS}
    for kind, pk in marks:
        by_kind[kind].add(int(pk))
    asset_ids = set(by_kind["asset"])
    asset_ids |= set(Review.objects.filter(pk__in=by_kind["review"]).values_list("asset_id", flat=True))
    asset_ids |= set(ReviewItem.objects.filter(pk__in=by_kind["item"]).values_list("review__asset_id", flat=True))
    asset_ids |= set(
        CounterpartyRequest.objects.filter(pk__in=by_kind["request"]).values_list("request_list__asset_id", flat=True)
    )
    written = search_index_hospitals(by_kind["hospital"]) if by_kind["hospital"] else 0
    if by_kind["team"]:
        written += search_index_unattached_studies(by_kind["team"])
    if asset_ids:
        written += search_index_assets(asset_ids)
    return written


@transaction.atomic
def search_index_assets(asset_ids: Iterable[int]) -> int:
    """Rewrite every entry of the assets (and add the directory entries of their sites' hospitals that lack one).

    The assets' rows are locked first, so two workers indexing the same asset take turns instead of colliding.
    Evidence and memo files never change, so their text is read once, by the first indexing that meets them.
    """
    assets = list(
        Asset.objects.select_for_update(of=("self",)).select_related("team").filter(pk__in=asset_ids).order_by("pk")
    )
    ids = [asset.pk for asset in assets]
    code = {asset.pk: asset.code for asset in assets}
    kept = {
        (entry.kind, entry.object_id): entry
        for entry in SearchEntry.objects.filter(asset_id__in=ids, kind__in=[Kind.EVIDENCE, Kind.MEMO])
    }
    entries = [documents.asset_entry(asset) for asset in assets]
    entries += [
        documents.study_entry(study, asset_code=code[study.asset_id])  # type: ignore[index]
        for study in Study.objects.filter(asset_id__in=ids)
    ]
    entries += [
        documents.finding_entry(f, asset_code=code[f.asset_id]) for f in Finding.objects.filter(asset_id__in=ids)
    ]
    items = ReviewItem.objects.filter(review__asset_id__in=ids).select_related("template_item", "review")
    entries += [
        documents.item_entry(
            item, team_id=item.review.team_id, asset_id=item.review.asset_id, asset_code=code[item.review.asset_id]
        )
        for item in items
    ]
    for comment in ItemComment.objects.filter(item__review__asset_id__in=ids).select_related(
        "author", "item__template_item", "item__review"
    ):
        review = comment.item.review
        entries.append(
            documents.comment_entry(
                comment, team_id=review.team_id, asset_id=review.asset_id, asset_code=code[review.asset_id]
            )
        )
    for evidence in Evidence.objects.filter(item__review__asset_id__in=ids).select_related(
        "item__template_item", "item__review"
    ):
        review = evidence.item.review
        old = kept.get((Kind.EVIDENCE, evidence.pk))
        entry = documents.evidence_entry(
            evidence,
            text="" if old else file_text(evidence.file, evidence.content_type),
            team_id=review.team_id,
            asset_id=review.asset_id,
            asset_code=code[review.asset_id],
        )
        entries.append(_keeping_text(entry, old))
    requests = (
        CounterpartyRequest.objects.filter(request_list__asset_id__in=ids)
        .select_related("request_list__contact")
        .prefetch_related("messages")
    )
    entries += [
        documents.request_entry(
            request,
            messages=request.messages.all(),
            team_id=request.request_list.team_id,
            asset_id=request.request_list.asset_id,
            asset_code=code[request.request_list.asset_id],
        )
        for request in requests
    ]
    for memo in Memo.objects.filter(asset_id__in=ids, status=Memo.Status.READY).exclude(pdf=""):
        old = kept.get((Kind.MEMO, memo.pk))
        entry = documents.memo_entry(
            memo, text="" if old else file_text(memo.pdf, "application/pdf"), asset_code=code[memo.asset_id]
        )
        entries.append(_keeping_text(entry, old))
    SearchEntry.objects.filter(asset_id__in=ids).delete()
    SearchEntry.objects.bulk_create(entries, batch_size=BATCH)
    hospitals = (
        Hospital.objects.filter(study_sites__study__asset_id__in=ids)
        .exclude(pk__in=SearchEntry.objects.filter(kind=Kind.HOSPITAL).values("object_id"))
        .distinct()
    )
    added = SearchEntry.objects.bulk_create(
        [documents.hospital_entry(hospital) for hospital in hospitals], batch_size=BATCH, ignore_conflicts=True
    )
    return len(entries) + len(added)


def _keeping_text(entry: SearchEntry, old: SearchEntry | None) -> SearchEntry:
    """A file's entry with the text read from it before (the file has not changed, its title and place may have)."""
    if old is not None:
        entry.body, entry.terms = old.body, old.terms
    return entry


@transaction.atomic
def search_index_unattached_studies(team_ids: Iterable[int]) -> int:
    """The entries of the teams' studies that belong to no asset (an asset's studies are indexed with it)."""
    studies = list(Study.objects.filter(team_id__in=team_ids, asset__isnull=True).select_related("team"))
    SearchEntry.objects.filter(kind=Kind.STUDY, team_id__in=team_ids, asset__isnull=True).delete()
    return len(
        SearchEntry.objects.bulk_create(
            [documents.study_entry(s, asset_code="") for s in studies], ignore_conflicts=True
        )
    )


@transaction.atomic
def search_index_hospitals(hospital_ids: Iterable[int]) -> int:
    """The directory entries of the hospitals (those since deleted lose theirs)."""
    hospital_ids = set(hospital_ids)
    SearchEntry.objects.filter(kind=Kind.HOSPITAL, object_id__in=hospital_ids).delete()
    hospitals = Hospital.objects.filter(pk__in=hospital_ids)
    return len(
        SearchEntry.objects.bulk_create(
            [documents.hospital_entry(h) for h in hospitals], batch_size=BATCH, ignore_conflicts=True
        )
    )


def search_index_rebuild(*, chunk: int = 200) -> int:
    """Every entry written again from the records: the directory, then each team's assets a chunk at a time."""
    SearchEntry.objects.filter(kind=Kind.HOSPITAL).delete()
    written = search_index_hospitals(Hospital.objects.values_list("pk", flat=True))
    team_ids = set(Study.objects.filter(asset__isnull=True).values_list("team_id", flat=True))
    written += search_index_unattached_studies(team_ids)
    asset_ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    SearchEntry.objects.exclude(kind=Kind.HOSPITAL).exclude(asset_id__in=asset_ids).exclude(
        kind=Kind.STUDY, asset__isnull=True
    ).delete()
    for start in range(0, len(asset_ids), chunk):
        written += search_index_assets(asset_ids[start : start + chunk])
    return written

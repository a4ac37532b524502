"""What each kind of record is found by, and how a result names it and links to it.

Every function returns unsaved ``SearchEntry`` rows; ``diligence.search.index`` writes them. Text a record's owner
cannot see never goes into another team's entry: each entry carries the team whose record it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.urls import reverse
from django.utils.text import Truncator

from assets.models import Asset, Hospital, Study
from diligence.models import (
    CounterpartyRequest,
    Evidence,
    Finding,
    ItemComment,
    Memo,
    QuestionKey,
    RequestMessage,
    ReviewItem,
    SearchEntry,
)
from diligence.search.terms import index_terms

Kind = SearchEntry.Kind
QUESTION_LABELS = dict(QuestionKey.choices)
# What a result keeps to show around a match; the terms hold the whole text.
MAX_BODY_CHARS = 20_000


# What PostgreSQL text refuses (NUL) and what no reader needs (other control characters), as read from files.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text fit to store: control characters become spaces, lone surrogates (from damaged files) are dropped."""
    return _CONTROL.sub(" ", text).encode("utf-8", errors="ignore").decode("utf-8")


def _entry(
    *,
    kind: str,
    pk: int,
    team_id: int | None,
    asset_id: int | None,
    title: str,
    where: str,
    path: str,
    texts: Iterable[str],
) -> SearchEntry:
    texts = [clean(text) for text in texts if text]
    return SearchEntry(
        kind=kind,
        object_id=pk,
        team_id=team_id,
        asset_id=asset_id,
        title=Truncator(clean(title)).chars(300),
        where=Truncator(clean(where)).chars(300),
        path=path,
        body="\n".join(texts)[:MAX_BODY_CHARS],
        terms=index_terms(*texts),
    )


def strings_in(value: object) -> Iterator[str]:
    """The strings inside a JSON value (registry ids, officials, conditions), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def asset_entry(asset: Asset) -> SearchEntry:
    return _entry(
        kind=Kind.ASSET,
        pk=asset.pk,
        team_id=asset.team_id,
        asset_id=asset.pk,
        title=f"{asset.code} · {asset.name}",
        where=f"Asset of {asset.team.name}",
        path=asset.get_absolute_url(),
        texts=[asset.code, asset.name, asset.inn_name, asset.target, asset.indications, asset.notes],
    )


def study_entry(study: Study, *, asset_code: str) -> SearchEntry:
    registry_ids = [study.nct_id, study.chictr_id, study.ctr_id, study.other_registry_id]
    return _entry(
        kind=Kind.STUDY,
        pk=study.pk,
        team_id=study.team_id,
        asset_id=study.asset_id,
        title=" · ".join(filter(None, [study.acronym, study.title])),
        where=f"{asset_code} · Studies" if study.asset_id else "Study without an asset",
        path=study.get_absolute_url(),
        texts=[
            *registry_ids,
            study.acronym,
            study.title,
            study.official_title,
            study.sponsor_name,
            *strings_in(study.secondary_ids),
            *strings_in(study.overall_officials),
            *strings_in(study.conditions),
        ],
    )


def hospital_entry(hospital: Hospital) -> SearchEntry:
    place = ", ".join(filter(None, [hospital.city, hospital.province, hospital.country]))
    return _entry(
        kind=Kind.HOSPITAL,
        pk=hospital.pk,
        team_id=None,
        asset_id=None,
        title=" · ".join(filter(None, [hospital.name_en, hospital.name_zh])),
        where=f"Hospital directory · {place}" if place else "Hospital directory",
        path=reverse("assets:hospital_detail", kwargs={"hospital_id": hospital.pk}),
        texts=[hospital.name_en, hospital.name_zh, hospital.city, hospital.province],
    )


def finding_entry(finding: Finding, *, asset_code: str) -> SearchEntry:
    return _entry(
        kind=Kind.FINDING,
        pk=finding.pk,
        team_id=finding.team_id,
        asset_id=finding.asset_id,
        title=finding.title,
        where=f"{asset_code} · Findings · {QUESTION_LABELS.get(finding.question, '')}",
        path=reverse("diligence:asset_findings", kwargs={"asset_id": finding.asset_id}) + f"#finding-{finding.pk}",
        texts=[finding.title, finding.message, finding.remedy, finding.note, finding.citation],
    )


def _item_path(item: ReviewItem) -> str:
    return reverse("diligence:review_detail", kwargs={"review_id": item.review_id}) + f"#item-{item.pk}"


def item_entry(item: ReviewItem, *, team_id: int, asset_id: int, asset_code: str) -> SearchEntry:
    return _entry(
        kind=Kind.ITEM,
        pk=item.pk,
        team_id=team_id,
        asset_id=asset_id,
        title=item.template_item.text,
        where=f"{asset_code} · Checklist · {QUESTION_LABELS.get(item.question, '')}",
        path=_item_path(item),
        texts=[item.template_item.text, item.notes, item.na_reason],
    )


def comment_entry(comment: ItemComment, *, team_id: int, asset_id: int, asset_code: str) -> SearchEntry:
    item = comment.item
    return _entry(
        kind=Kind.COMMENT,
        pk=comment.pk,
        team_id=team_id,
        asset_id=asset_id,
        title=f"{comment.author or 'Former user'} on “{Truncator(item.template_item.text).chars(80)}”",
        where=f"{asset_code} · Checklist · comment of {comment.created_at:%Y-%m-%d}",
        path=_item_path(item),
        texts=[comment.body],
    )


def evidence_entry(evidence: Evidence, *, text: str, team_id: int, asset_id: int, asset_code: str) -> SearchEntry:
    item = evidence.item
    return _entry(
        kind=Kind.EVIDENCE,
        pk=evidence.pk,
        team_id=team_id,
        asset_id=asset_id,
        title=evidence.original_name,
        where=f"{asset_code} · Evidence for “{Truncator(item.template_item.text).chars(80)}”",
        path=_item_path(item),
        texts=[evidence.original_name, text],
    )


def memo_entry(memo: Memo, *, text: str, asset_code: str) -> SearchEntry:
    return _entry(
        kind=Kind.MEMO,
        pk=memo.pk,
        team_id=memo.team_id,
        asset_id=memo.asset_id,
        title=f"Memo v{memo.version} on {asset_code}",
        where=f"{asset_code} · Memos",
        path=memo.get_absolute_url(),
        texts=[text],
    )


def request_entry(
    request: CounterpartyRequest, *, messages: Iterable[RequestMessage], team_id: int, asset_id: int, asset_code: str
) -> SearchEntry:
    """A request to the counterparty with its whole thread: what was asked, the answers, questions and replies."""
    return _entry(
        kind=Kind.REQUEST,
        pk=request.pk,
        team_id=team_id,
        asset_id=asset_id,
        title=f"R-{request.number} · {Truncator(request.text).chars(120)}",
        where=f"{asset_code} · Requests to {request.request_list.contact}",
        path=reverse("diligence:request_detail", kwargs={"counterparty_request_id": request.pk}),
        texts=[request.text, *(message.body for message in messages)],
    )

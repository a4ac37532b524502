"""Curating the directory: aliases, merging two records of one hospital, and resolving the review queue.

Each write locks what it changes, refuses a stale version (``StaleEdit``) and leaves history: moved sites and aliases
in their own history, a removed record's deletion in the hospital's, a review's resolution in the review's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Count
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from assets.directory.keys import is_chinese, name_keys
from assets.models import Hospital, HospitalAlias, SiteMatchCandidate, SiteMatchReview, StudySite
from assets.registry.text import split_names
from assets.services import StaleEdit, fact_save
from assets.signals import shared_facts_changed

if TYPE_CHECKING:
    from teams.models import User


def alias_add(*, hospital: Hospital, text: str, kind: str, user: User | None) -> HospitalAlias | None:
    """Record another name of the hospital; None when it adds nothing (empty, or a name the hospital already has)."""
    text = text.strip()
    keys = name_keys(text) if text else None
    if keys is None or not keys.key:
        return None
    own = {name_keys(name).key for name in (hospital.name_en, hospital.name_zh) if name}
    if keys.key in own or hospital.aliases.filter(key=keys.key).exists():
        return None
    alias = HospitalAlias(hospital=hospital, text=text, kind=kind)
    alias.full_clean(exclude=["key", "pinyin_key"])
    _check_key_lengths(keys.key, keys.pinyin)
    alias._history_user = user  # type: ignore[attr-defined]
    alias.save()
    return alias


def _check_key_lengths(key: str, pinyin: str) -> None:
    for name, value in (("key", key), ("pinyin_key", pinyin)):
        limit = cast(CharField, HospitalAlias._meta.get_field(name)).max_length or 0
        if len(value) > limit:
            raise ValidationError({"text": f"Once normalised for matching this name is too long (at most {limit:,})."})


def _locked(hospital_id: int, expected_version: int | None) -> Hospital:
    current = Hospital.objects.select_for_update().filter(pk=hospital_id).first()
    if current is None:
        raise ValidationError("That hospital is no longer in the directory.")
    if expected_version is not None and current.version != expected_version:
        raise StaleEdit(current)
    return current


@transaction.atomic
def hospital_merge(
    *, keep_id: int, remove_id: int, user: User | None, keep_version: int | None, remove_version: int | None
) -> Hospital:
    """Make two records of one hospital one: the removed record's sites, aliases, names and review candidacies move
    to the kept one, then it is deleted (its history stays). Refused when a study has a site at both, since the two
    sites' approvals would have to be merged by the team that owns them."""
    if keep_id == remove_id:
        raise ValidationError("Choose two different hospitals to merge.")
    first, second = sorted((keep_id, remove_id))  # lock in id order so two merges of the same pair cannot deadlock
    versions = {keep_id: keep_version, remove_id: remove_version}
    locked = {pk: _locked(pk, versions[pk]) for pk in (first, second)}
    keep, remove = locked[keep_id], locked[remove_id]
    both = (
        StudySite.objects.filter(hospital__in=[keep, remove])
        .values("study_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    if both:
        raise ValidationError(
            f"{both:,} stud{'y has' if both == 1 else 'ies have'} a site at both hospitals; "
            "the team that owns them must remove one site first."
        )
    _sites_move(remove, keep, user=user)
    _aliases_move(remove, keep, user=user)
    _candidacies_move(remove, keep)
    SiteMatchReview.objects.filter(holding=remove).update(holding=keep)
    remove._history_user = user
    remove.delete()
    keep.reviewed = keep.reviewed or remove.reviewed
    return fact_save(instance=keep, user=user)


def _sites_move(remove: Hospital, keep: Hospital, *, user: User | None) -> None:
    sites = list(StudySite.objects.filter(hospital=remove).select_related("study"))
    if not sites:
        return
    now = timezone.now()
    for site in sites:
        site.hospital = keep
        site.version += 1
        site.updated_at = now
    bulk_update_with_history(sites, StudySite, ["hospital", "version", "updated_at"], default_user=user)
    assets_by_team: dict[int, set[int]] = {}
    for site in sites:
        if site.study.asset_id:
            assets_by_team.setdefault(site.study.team_id, set()).add(site.study.asset_id)
    if assets_by_team:  # the sites now read the kept record's grade: the teams' findings follow
        description = f"{remove.name_en} (shared hospital directory) was merged into {keep.name_en}."
        shared_facts_changed.send(sender=Hospital, description=description, assets_by_team=assets_by_team)


def _aliases_move(remove: Hospital, keep: Hospital, *, user: User | None) -> None:
    for alias in list(remove.aliases.all()):
        alias_add(hospital=keep, text=alias.text, kind=alias.kind, user=user)
    alias_add(hospital=keep, text=remove.name_en, kind=HospitalAlias.Kind.ENGLISH, user=user)
    if remove.name_zh:
        alias_add(hospital=keep, text=remove.name_zh, kind=HospitalAlias.Kind.CHINESE, user=user)


def _candidacies_move(remove: Hospital, keep: Hospital) -> None:
    already = set(SiteMatchCandidate.objects.filter(hospital=keep).values_list("review_id", flat=True))
    SiteMatchCandidate.objects.filter(hospital=remove, review_id__in=already).delete()
    SiteMatchCandidate.objects.filter(hospital=remove).update(hospital=keep)


def _review_locked(review_id: int, expected_version: int) -> SiteMatchReview:
    review = SiteMatchReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise ValidationError("That review is no longer in the queue.")
    if review.version != expected_version:
        raise StaleEdit(review)
    if review.status != SiteMatchReview.Status.PENDING:
        raise ValidationError("That site string has already been resolved.")
    return review


def _resolve(review: SiteMatchReview, *, status: str, hospital: Hospital, user: User | None) -> SiteMatchReview:
    review.status = status
    review.resolved_hospital = hospital
    review.resolved_by = user
    review.resolved_at = timezone.now()
    review.version += 1
    review._history_user = user  # type: ignore[attr-defined]
    review.save()
    return review


@transaction.atomic
def review_confirm(*, review_id: int, hospital_id: int, expected_version: int, user: User | None) -> SiteMatchReview:
    """The site string is this candidate: its holding record merges into it and the string becomes an alias."""
    review = _review_locked(review_id, expected_version)
    if not review.scored_candidates.filter(hospital_id=hospital_id).exists():
        raise ValidationError({"hospital": "Choose one of this site's candidates."})
    if review.holding_id is not None and review.holding_id != hospital_id:
        hospital = hospital_merge(
            keep_id=hospital_id, remove_id=review.holding_id, user=user, keep_version=None, remove_version=None
        )
    else:
        hospital = _locked(hospital_id, None)
    for name in split_names(review.site_text):
        if name:
            kind = HospitalAlias.Kind.CHINESE if is_chinese(name) else HospitalAlias.Kind.ENGLISH
            alias_add(hospital=hospital, text=name, kind=kind, user=user)
    review.refresh_from_db(fields=["holding"])
    return _resolve(review, status=SiteMatchReview.Status.CONFIRMED, hospital=hospital, user=user)


@transaction.atomic
def review_create(*, review_id: int, expected_version: int, user: User | None) -> SiteMatchReview:
    """The site string is a hospital the directory did not have: its holding record becomes a reviewed entry."""
    review = _review_locked(review_id, expected_version)
    if review.holding_id is None:
        raise ValidationError("This site's record was merged away; confirm one of its candidates instead.")
    hospital = _locked(review.holding_id, None)
    hospital.reviewed = True
    hospital = fact_save(instance=hospital, user=user)
    return _resolve(review, status=SiteMatchReview.Status.CREATED, hospital=hospital, user=user)


@transaction.atomic
def review_merge(
    *,
    review_id: int,
    keep_id: int,
    remove_id: int,
    expected_version: int,
    user: User | None,
    hospital_versions: dict[int, int] | None = None,
) -> SiteMatchReview:
    """Two of a review's hospitals (its candidates and its holding record) are one: merge them; the review stays in
    the queue with the kept record among its candidates. With ``hospital_versions`` (as the curator saw them), a
    hospital edited since is a stale edit, not silently merged away."""
    review = _review_locked(review_id, expected_version)
    allowed = set(review.scored_candidates.values_list("hospital_id", flat=True)) | {review.holding_id}
    if not {keep_id, remove_id} <= allowed:
        raise ValidationError("Merge two of this site's own hospitals.")
    seen = hospital_versions or {}
    hospital_merge(
        keep_id=keep_id,
        remove_id=remove_id,
        user=user,
        keep_version=seen.get(keep_id),
        remove_version=seen.get(remove_id),
    )
    review.refresh_from_db()
    review.version += 1
    review._history_user = user  # type: ignore[attr-defined]
    review.save()
    return review

"""Reads for the directory's curators: the review queue, a hospital's aliases. Fixed queries whatever the size."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from assets.models import Hospital, HospitalAlias, SiteMatchCandidate, SiteMatchReview


def _reviews() -> QuerySet[SiteMatchReview]:
    candidates = SiteMatchCandidate.objects.select_related("hospital").order_by("-score", "hospital__name_en")
    return (
        SiteMatchReview.objects.select_related("holding", "resolved_hospital")
        .annotate(waiting_sites=Count("holding__study_sites"))
        .prefetch_related(Prefetch("scored_candidates", queryset=candidates))
        .order_by("created_at", "pk")
    )


def site_match_reviews_pending() -> QuerySet[SiteMatchReview]:
    """The queue, oldest first, each with its candidates and how many sites wait on its holding record (a count,
    never which teams' studies: the curators look after the shared directory, not the teams' work)."""
    return _reviews().filter(status=SiteMatchReview.Status.PENDING)


def site_match_review_get_or_404(*, review_id: int) -> SiteMatchReview:
    review = _reviews().filter(pk=review_id).first()
    if review is None:
        raise Http404("No such review.")
    return review


def hospital_aliases(*, hospital: Hospital) -> QuerySet[HospitalAlias]:
    return hospital.aliases.order_by("kind", "text")

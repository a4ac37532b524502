"""The curators' review queue: site strings the matcher could not place, each confirmed as a candidate, kept as a
new hospital, or two of its hospitals merged. Every action answers htmx with the review's row alone."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assets.access import directory_curator_access
from assets.directory import selectors, services
from assets.directory.forms import ConfirmForm, CreateForm, MergeForm, ReviewActionForm
from assets.models import SiteMatchReview
from assets.services import StaleEdit
from teams.http import HtmxHttpRequest

ROW = "assets/site_match_review_list.html#review-row"


@login_required
@require_GET
def site_match_review_list(request: HtmxHttpRequest) -> HttpResponse:
    directory_curator_access(request)
    page = Paginator(selectors.site_match_reviews_pending(), 25).get_page(request.GET.get("page"))
    rows = [_row(review) for review in page.object_list]
    return render(request, "assets/site_match_review_list.html", {"page": page, "rows": rows})


def _row(review: SiteMatchReview, *, bound: dict[str, ReviewActionForm] | None = None) -> dict[str, object]:
    """A review as its row shows it: the three forms (the one just refused bound, with its errors)."""
    bound = bound or {}
    return {
        "review": review,
        "confirm": bound.get("confirm") or ConfirmForm(review=review),
        "create": bound.get("create") or CreateForm(review=review),
        "merge": bound.get("merge") or MergeForm(review=review),
        "notice": "",
        "error": "",
    }


def _act(
    request: HtmxHttpRequest,
    review_id: int,
    name: str,
    form_class: type[ReviewActionForm],
    action: Callable[[SiteMatchReview, ReviewActionForm], str],
) -> HttpResponse:
    """Check access, validate, act through the service, and answer with the row as it now stands."""
    directory_curator_access(request)
    review = selectors.site_match_review_get_or_404(review_id=review_id)
    form = form_class(request.POST, review=review)
    notice, error, status = "", "", 400
    if form.is_valid():
        try:
            notice, status = action(review, form), 200
        except StaleEdit:
            error, status = "Someone acted on this site string since you opened the page: here it is as it is now.", 409
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if status == 200 and not request.htmx:
        messages.success(request, notice)
        return redirect("assets:site_match_review_list")
    fresh = selectors.site_match_review_get_or_404(review_id=review_id)
    row = _row(fresh, bound={name: form} if status == 400 and not error else None)
    row.update(notice=notice, error=error)
    if request.htmx:
        return render(request, ROW, {"row": row}, status=status)
    return render(request, "assets/site_match_review_list.html", {"rows": [row], "page": None}, status=status)


@login_required
@require_POST
def site_match_confirm(request: HtmxHttpRequest, match_review_id: int) -> HttpResponse:
    def confirm(review: SiteMatchReview, form: ReviewActionForm) -> str:
        data = form.cleaned_data
        done = services.review_confirm(
            review_id=review.pk, hospital_id=data["hospital"], expected_version=data["version"], user=request.user
        )
        return f"Linked to {done.resolved_hospital}; the site string is now one of its aliases."

    return _act(request, match_review_id, "confirm", ConfirmForm, confirm)


@login_required
@require_POST
def site_match_create(request: HtmxHttpRequest, match_review_id: int) -> HttpResponse:
    def create(review: SiteMatchReview, form: ReviewActionForm) -> str:
        done = services.review_create(
            review_id=review.pk, expected_version=form.cleaned_data["version"], user=request.user
        )
        return f"Kept {done.resolved_hospital} as a new hospital of the directory."

    return _act(request, match_review_id, "create", CreateForm, create)


@login_required
@require_POST
def site_match_merge(request: HtmxHttpRequest, match_review_id: int) -> HttpResponse:
    def merge(review: SiteMatchReview, form: ReviewActionForm) -> str:
        data = form.cleaned_data
        services.review_merge(
            review_id=review.pk,
            keep_id=data["keep"],
            remove_id=data["remove"],
            expected_version=data["version"],
            hospital_versions=data["hospital_versions"],
            user=request.user,
        )
        return "Merged: the two records are one hospital now; the site string still waits for a decision."

    return _act(request, match_review_id, "merge", MergeForm, merge)

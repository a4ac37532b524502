"""The review page: a team works its checklist for one asset. Every fragment htmx swaps is a partial of the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from assets.access import asset_access
from assets.services import StaleEdit
from assets.views.common import stale_author, stale_changes
from diligence.access import evidence_access, review_access, review_item_access
from diligence.filters import ReviewItemFilter
from diligence.forms import QUESTION_CHOICES, BulkForm, CommentForm, EvidenceForm, ReviewItemForm, team_members
from diligence.models import Review, ReviewItem
from diligence.selectors import reviews as selectors
from diligence.services import checklists as services
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest
from teams.links import id_url

PAGE = "diligence/review_detail.html"


@login_required
@require_POST
def review_create(request: AuthenticatedHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, edit=True)
    review = services.review_start(asset=asset, user=request.user)
    return redirect(review)


def _with_links(items: list[ReviewItem]) -> list[ReviewItem]:
    """Each row's detail and edit links, reversed once for the whole list: a reversal per link per row was a
    third of the time of a 300-item page."""
    detail, edit = id_url("diligence:review_item_detail"), id_url("diligence:review_item_edit")
    for item in items:
        # Attributes added for the template alone, which the model does not declare.
        item.detail_url, item.edit_url = detail(item.pk), edit(item.pk)  # type: ignore[attr-defined]
    return items


def _page_context(request: AuthenticatedHttpRequest, review: Review) -> dict[str, object]:
    today = timezone.localdate()
    filters = ReviewItemFilter(request.GET, review=review, user=request.user, today=today)
    items = _with_links(list(filters.results))
    grouped = {key: [i for i in items if i.question == key] for key, _label in QUESTION_CHOICES[1:]}
    return {
        "review": review,
        "asset": review.asset,
        "team": review.team,
        "groups": [(key, label, grouped[key]) for key, label in QUESTION_CHOICES[1:] if grouped[key]],
        # The unfiltered list holds every live item: its progress is counted from it, a filtered one's in SQL.
        "progress": selectors.progress_by_question(review.items.all(), today=today)
        if filters.active
        else selectors.progress_of_items(items, today=today),
        "filters": filters,
        "question_choices": QUESTION_CHOICES,
        "statuses": ReviewItem.Status.choices,
        "members": team_members(review.team_id),
        "can_edit": access.can_edit(request.user, review.team_id),
        "offer": selectors.upgrade_offer(review=review),
        "today": today,
        "item_count": len(items),
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_detail(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    # Filtered lists swapped in by htmx are logged too: the header is the client's to send, and the list is the data.
    review = review_access(request, review_id, log="view")
    template = f"{PAGE}#items" if request.htmx else PAGE
    return render(request, template, _page_context(request, review))


def _row(request: AuthenticatedHttpRequest, item: ReviewItem, *, status: int = 200) -> HttpResponse:
    """The row of an item the caller has reached through the access policy with its counts (``counts=True``)."""
    _with_links([item])
    context = {
        "item": item,
        "can_edit": access.can_edit(request.user, item.review.team_id),
        "today": timezone.localdate(),
    }
    return render(request, f"{PAGE}#item-row", context, status=status)


@login_required
@require_GET
def review_item_row(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """One item's row: what "cancel" swaps back in."""
    return _row(request, review_item_access(request, item_id, counts=True))


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def review_item_edit(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    item = review_item_access(request, item_id, edit=True, counts=True)
    form = ReviewItemForm(request.POST or None, item=item)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.review_item_update(
                item=item, user=request.user, changes=form.changes(), expected_version=form.cleaned_data["version"]
            )
        except StaleEdit as refused:
            stale = _stale(form, refused)
            form.refresh_after_stale(refused)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # An edit changes neither count: the row is the saved item with the counts read on the way in.
            updated.evidence_count, updated.comment_count = item.evidence_count, item.comment_count  # type: ignore[attr-defined]
            return _row(request, updated) if request.htmx else redirect(item.review)
    context = {"item": item, "form": form, "stale": stale}
    template = f"{PAGE}#item-form" if request.htmx else "diligence/review_item_form.html"
    return render(request, template, context, status=409 if stale else 200)


def _stale(form: ReviewItemForm, refused: StaleEdit) -> dict[str, object]:
    """The fields both people changed, with both values, as the fact forms show them."""
    return {"author": stale_author(refused), "changes": stale_changes(form, refused), "what": "item"}


@login_required
@require_GET
@vary_on_headers("HX-Request")
def review_item_detail(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    """Comments and evidence of one item."""
    item = review_item_access(request, item_id, log="view")
    return _detail(request, item, partial="item-detail-row")


def _detail(
    request: HtmxHttpRequest,
    item: ReviewItem,
    *,
    partial: str = "item-detail",
    comment_form: CommentForm | None = None,
    evidence_form: EvidenceForm | None = None,
    counts_changed: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The item's evidence and comments: a row beneath the item's when opened, the panel alone after a post. With
    ``counts_changed`` the item's row gets its new counts too (out of band), so the list is never stale."""
    context = {
        "item": item,
        "can_edit": access.can_edit(request.user, item.review.team_id),
        "comment_form": comment_form or CommentForm(),
        "evidence_form": evidence_form or EvidenceForm(),
        "counted_item": selectors.review_items(review=item.review).filter(pk=item.pk).first()
        if counts_changed
        else None,
        **selectors.review_item_detail(item=item),
    }
    template = f"{PAGE}#{partial}" if request.htmx else "diligence/review_item_detail.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def item_comment_create(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    item = review_item_access(request, item_id, edit=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.item_comment_add(item=item, user=request.user, body=form.cleaned_data["body"])
        return _detail(request, item, counts_changed=True)
    return _detail(request, item, comment_form=form, status=400)


@login_required
@require_POST
def evidence_create(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    item = review_item_access(request, item_id, edit=True)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                item=item,
                user=request.user,
                upload=form.cleaned_data["file"],
                document_date=form.cleaned_data["document_date"],
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return _detail(request, item, counts_changed=True)
    return _detail(request, item, evidence_form=form, status=400)


@login_required
@require_GET
def evidence_download(request: AuthenticatedHttpRequest, evidence_file_id: int) -> FileResponse:
    """Served only through the access policy, always as an attachment, and every download recorded."""
    evidence = evidence_access(request, evidence_file_id, log="download")
    services.evidence_download_record(evidence=evidence, user=request.user)
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)
    response["Content-Type"] = evidence.content_type
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def review_bulk_edit(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_access(request, review_id, edit=True)
    form = BulkForm(request.POST, review=review)
    if form.is_valid():
        data = form.cleaned_data
        count = services.review_items_bulk_update(
            review=review,
            item_ids=[i.pk for i in data["items"]],
            user=request.user,
            assignee=None if data["unassign"] else data["assignee"],
            due_on=data["due_on"],
            set_assignee=bool(data["assignee"] or data["unassign"]),
            set_due_on=data["due_on"] is not None,
        )
        messages.success(request, f"{count} item{'s' if count != 1 else ''} updated.")
    else:
        messages.error(request, _bulk_refusal(form))
    return redirect(review)


def _bulk_refusal(form: BulkForm) -> str:
    if form.has_error("items", "invalid_choice") or form.has_error("items", "invalid_pk_value"):
        # Archived by an upgrade since the page was loaded, or never this checklist's.
        return "Some of the selected items are not on this checklist any more: reload the page and select again."
    if form.has_error("items"):
        return "Select items first."
    if form.has_error("assignee"):
        return "Assign the items to a member of this deal team."
    return " ".join(map(str, form.non_field_errors())) or "Check the values to apply."


@login_required
@require_http_methods(["GET", "POST"])
def review_upgrade(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = review_access(request, review_id, edit=request.method == "POST")
    if request.method == "POST":
        try:
            result = services.review_upgrade(review=review, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"Upgraded: {result.carried} answers carried over, {result.added} new items, "
                f"{result.archived} archived.",
            )
        return redirect(review)
    offer = selectors.upgrade_offer(review=review)
    context = {
        "review": review,
        "asset": review.asset,
        "team": review.team,
        "offer": offer,
        "effects": selectors.upgrade_effects(review=review, diff=offer[1]) if offer else [],
        "can_edit": access.can_edit(request.user, review.team_id),
    }
    return render(request, "diligence/review_upgrade.html", context)

"""Memos in the browser: ask for one, watch it render, read and download it, and the partner review."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from assets.access import asset_access
from diligence.access import memo_access
from diligence.memos.diff import snapshot_diff
from diligence.models import Memo, Notification
from diligence.selectors import memos as selectors
from diligence.services import memos as services
from diligence.views.findings import _tab_page
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest

MEMO_CHANGED = "memo-changed"  # the client event on which the memo versions table rereads itself

SECTIONS = [
    ("verdict", "Verdict"),
    ("data_integrity", "1. Data integrity"),
    ("consent_ethics", "2. Consent and ethics"),
    ("hgr_export", "3. HGR and data export"),
    ("ownership", "4. Ownership"),
    ("registration", "5. Registration plan"),
    ("deal", "Deal terms"),
    ("general", "General"),
]


@login_required
@require_GET
@vary_on_headers("HX-Request")
def asset_memos(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, log="view")
    return _tab_page(request, asset, "memos", {"memos": selectors.asset_memos(asset_id=asset.pk)})


@login_required
@require_POST
def memo_create(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, edit=True)
    memo = services.memo_request(asset=asset, user=request.user)
    if request.htmx:
        response = render(request, "diligence/memo_status.html#progress", {"memo": memo})
        return trigger_client_event(response, MEMO_CHANGED)  # the versions table lists the new one
    return redirect(memo)


@login_required
@require_GET
def memo_status(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    """The progress bar htmx polls; polling stops (HTTP 286) once the memo is ready or failed, and the page's
    versions table is told to reread itself."""
    memo = memo_access(request, memo_id)
    response = render(request, "diligence/memo_status.html#progress", {"memo": memo})
    if memo.is_finished:
        stopped = HttpResponseStopPolling(response.content)
        stopped["Content-Type"] = response["Content-Type"]
        return trigger_client_event(stopped, MEMO_CHANGED)
    return response


@login_required
@require_GET
def memo_detail(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    memo = memo_access(request, memo_id, log="view")
    comments = list(memo.comments.select_related("author"))
    earlier = list(selectors.earlier_comments(memo=memo))
    labels = dict(SECTIONS)
    for comment in (*comments, *earlier):  # the section's name as the memo prints it, not its key
        comment.section_label = labels.get(comment.section, "")  # type: ignore[attr-defined]
    context = {
        "memo": memo,
        "asset": memo.asset,
        "team": memo.team,
        "comments": comments,
        "sections": SECTIONS,
        "can_edit": access.can_edit(request.user, memo.team_id),
        "can_review": access.can_review(request.user, memo.team_id),
        "other_versions": selectors.asset_memos(asset_id=memo.asset_id)
        .filter(status=Memo.Status.READY)
        .exclude(pk=memo.pk),
        "earlier_comments": earlier,
        "same_as_refused": (
            selectors.same_facts_as_refused(memo=memo) if memo.review_state == Memo.ReviewState.IN_REVIEW else None
        ),
    }
    return render(request, "diligence/memo_detail.html", context)


@login_required
@require_GET
def memo_read(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    """The memo as HTML, for reading inline, from its frozen snapshot."""
    from diligence.memos.render import render_memo_html

    memo = memo_access(request, memo_id, rendered=True, log="view", log_kind="memo text")
    snapshot = cast(dict[str, Any], memo.snapshot)  # memo_access(rendered=True) refused a memo without one
    response = HttpResponse(render_memo_html(snapshot))
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@login_required
@require_GET
def memo_download(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    memo = memo_access(request, memo_id, rendered=True, log="download")
    try:
        pdf, filename = services.memo_download(memo=memo, user=request.user)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def memo_retry_edit(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    memo = memo_access(request, memo_id, edit=True)
    try:
        services.memo_retry(memo=memo, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(memo)


@login_required
@require_POST
def memo_submit_edit(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    memo = memo_access(request, memo_id, edit=True)
    try:
        services.memo_submit(memo=memo, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Sent to the team's partners for review.")
    return redirect(memo)


@login_required
@require_POST
def memo_review_edit(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    """A partner approves (sign-off, locked) or requests changes (back to the team with the comments)."""
    memo = memo_access(request, memo_id, review=True)
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            read = request.POST.get("version_read", "")
            if not (read.isascii() and read.isdigit()):
                raise ValidationError("Tick the box to confirm which version you read before you sign off.")
            services.memo_approve(memo=memo, partner=request.user, version_read=int(read))
            messages.success(request, f"Memo version {memo.version} approved and locked.")
        elif decision == "changes":
            services.memo_request_changes(memo=memo, partner=request.user, comment=request.POST.get("body", ""))
            messages.success(request, "Changes requested; the team has been told.")
        else:
            messages.error(request, "Choose approve or request changes.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(memo)


@login_required
@require_POST
def memo_comment_create(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    memo = memo_access(request, memo_id)
    section = request.POST.get("section", "general")
    if section not in dict(SECTIONS):
        section = "general"
    try:
        services.memo_comment_add(memo=memo, user=request.user, section=section, body=request.POST.get("body", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{memo.get_absolute_url()}#comments")


@login_required
@require_GET
def memo_diff(request: AuthenticatedHttpRequest, memo_id: int) -> HttpResponse:
    """Two versions' snapshots side by side: what changed between them."""
    memo = memo_access(request, memo_id)
    versions = selectors.asset_memos(asset_id=memo.asset_id).filter(status=Memo.Status.READY)
    other_id = request.GET.get("against", "")
    chosen = other_id.isascii() and other_id.isdigit()  # a hand-edited id that is not a number is no choice
    other = (versions.filter(pk=other_id).first() if chosen else None) or versions.filter(
        version__lt=memo.version
    ).first()
    if memo.status != Memo.Status.READY or other is None:
        diff = None
    else:
        diff = snapshot_diff(old=other.snapshot, new=memo.snapshot)
    context = {"memo": memo, "other": other, "versions": versions, "diff": diff, "asset": memo.asset, "team": memo.team}
    return render(request, "diligence/memo_diff.html", context)


@login_required
@require_GET
def memo_review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "diligence/memo_queue.html", {"memos": selectors.review_queue(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("diligence:notification_list")
    return render(
        request, "diligence/notifications.html", {"notifications": selectors.notifications_for(user=request.user)}
    )

"""Findings and the verdict, and the checklist summary, as tabs of the asset page."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from assets.access import asset_access
from assets.models import Asset
from assets.tabs import asset_tabs
from diligence.access import finding_access
from diligence.forms import FindingStatusForm
from diligence.models import Review
from diligence.rules.citations import CITATIONS
from diligence.rules.verdict import verdict_from
from diligence.selectors import reviews as selectors
from diligence.services.findings import finding_set_status
from teams import access
from teams.http import HtmxHttpRequest


def _tab_page(request: HtmxHttpRequest, asset: Asset, tab: str, context: Mapping[str, object]) -> HttpResponse:
    """Render a tab served by this app inside the asset page (or the panel alone for htmx). Its views reach the
    asset with ``log="view"``: a tab is logged as a view of the asset, as the asset page's own tabs are."""
    page = {
        "asset": asset,
        "team": asset.team,
        "tab": tab,
        "tabs": asset_tabs(asset.pk),
        "tab_template": f"diligence/tabs/_{tab}.html",
        "can_edit": access.can_edit(request.user, asset.team_id),
        "today": timezone.localdate(),
        **context,
    }
    template = "assets/asset_detail.html#tab-panel" if request.htmx else "assets/asset_detail.html"
    return render(request, template, page)


FINDINGS_PER_PAGE = 50  # a registry record of thousands of sites raises a finding per site: the page stays bounded


def findings_context(
    asset: Asset, *, show_resolved: bool = False, forms: dict | None = None, page: str | None = None
) -> dict[str, object]:
    """The verdict from every active finding; the findings themselves a page at a time."""
    findings = selectors.asset_findings(asset_id=asset.pk, include_resolved=show_resolved)
    active = [f for f in findings if f.is_active]
    shown = Paginator(findings, FINDINGS_PER_PAGE).get_page(page)
    return {
        "verdict": verdict_from(active, checklist=selectors.checklist_gate(asset_id=asset.pk)),
        "findings": shown,
        "show_resolved": show_resolved,
        "citations": {f.citation: CITATIONS.get(f.citation, "") for f in shown},
        "forms": forms or {},
    }


@login_required
@require_GET
@vary_on_headers("HX-Request")
def asset_findings(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, log="view")
    context = findings_context(asset, show_resolved=request.GET.get("resolved") == "1", page=request.GET.get("page"))
    return _tab_page(request, asset, "findings", context)


@login_required
@require_POST
def finding_status_edit(request: HtmxHttpRequest, finding_id: int) -> HttpResponse:
    """Acknowledge or mitigate a finding with a note, or reopen it; it stays visible either way."""
    finding = finding_access(request, finding_id, edit=True)
    form = FindingStatusForm(request.POST)
    if form.is_valid():
        try:
            finding_set_status(
                finding=finding, user=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
    if not request.htmx:
        return redirect("diligence:asset_findings", asset_id=finding.asset_id)
    asset = asset_access(request, finding.asset_id, log="view")
    forms = {finding.pk: form} if form.errors else {}
    return _tab_page(request, asset, "findings", findings_context(asset, forms=forms))


@login_required
@require_GET
@vary_on_headers("HX-Request")
def asset_checklist(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, log="view")
    review = Review.objects.filter(asset=asset).select_related("template", "template_version").first()
    context = {
        "review": review,
        "progress": selectors.progress_by_question(review.items.all(), today=timezone.localdate()) if review else [],
        "offer": selectors.upgrade_offer(review=review) if review else None,
    }
    return _tab_page(request, asset, "checklist", context)

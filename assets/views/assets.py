"""The asset list and the asset page with its tabs; creating, editing and deleting an asset."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from assets import services
from assets.access import asset_access
from assets.filters import ASSET_SORT_CHOICES, RED_FLAG_CHOICES, AssetFilter
from assets.forms import MISSING_VERSION, AssetForm
from assets.services import StaleEdit
from assets.tabs import OWN_TAB_NAMES
from assets.views.common import add_service_errors, posted_version, stale_author, stale_changes, tab_page_context
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest
from teams.models import DealTeam

PAGE_SIZE = 25


@login_required
@require_GET
@vary_on_headers("HX-Request")
def asset_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = AssetFilter(request.GET, user=request.user)
    page = Paginator(filters.results, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "red_flags": RED_FLAG_CHOICES,
        "sorts": ASSET_SORT_CHOICES,
    }
    template = "assets/asset_list.html#results" if request.htmx else "assets/asset_list.html"
    return render(request, template, context)


class AssetCreateForm(AssetForm):
    team = forms.ModelChoiceField(queryset=DealTeam.objects.none(), empty_label=None)

    def __init__(self, *args: Any, teams: QuerySet[DealTeam], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams  # the field declared above
        self.order_fields(["team"])


@login_required
@require_http_methods(["GET", "POST"])
def asset_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = access.teams_editable_by(request.user)
    initial = {"team": teams.filter(slug=request.GET.get("team")).first()}
    form = AssetCreateForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.instance.team = form.cleaned_data["team"]
        try:
            asset = services.asset_save(
                asset=form.instance,
                originator_name=form.cleaned_data["originator_name"],
                user=request.user,
                expected_version=None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Asset {asset.code} created.")
            return redirect(asset)
    return render(request, "assets/asset_form.html", {"form": form, "has_teams": teams.exists()})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def asset_detail(request: HtmxHttpRequest, asset_id: int) -> HttpResponse:
    tab = request.GET.get("tab", "overview")
    if tab not in OWN_TAB_NAMES:
        raise Http404("No such tab.")
    asset = asset_access(request, asset_id, log="view")
    context = tab_page_context(request, asset=asset, tab=tab)
    template = "assets/asset_detail.html#tab-panel" if request.htmx else "assets/asset_detail.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def asset_edit(request: AuthenticatedHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, edit=True)
    form = AssetForm(request.POST or None, instance=asset)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_save(
                asset=form.instance,
                originator_name=form.cleaned_data["originator_name"],
                user=request.user,
                expected_version=form.expected_version,
            )
        except StaleEdit as refused:
            stale = {"author": stale_author(refused), "changes": stale_changes(form, refused)}
            form.refresh_after_stale(refused)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Asset {asset.code} saved.")
            return redirect(asset)
    context = {"form": form, "asset": asset, "stale": stale}
    return render(request, "assets/asset_form.html", context, status=409 if stale else 200)


@login_required
@require_http_methods(["GET", "POST"])
def asset_delete(request: AuthenticatedHttpRequest, asset_id: int) -> HttpResponse:
    asset = asset_access(request, asset_id, edit=True)
    stale, refusal = None, ""
    if request.method == "POST" and (version := posted_version(request)) is None:
        refusal = MISSING_VERSION
    elif request.method == "POST":
        try:
            services.fact_delete(instance=asset, user=request.user, expected_version=version)
        except StaleEdit as refused:
            asset, stale = refused.current, stale_author(refused)
        else:
            messages.success(request, f"Asset {asset.code} and everything under it deleted.")
            return redirect("assets:asset_list")
    context = {"asset": asset, "stale": stale, "refusal": refusal}
    return render(request, "assets/asset_confirm_delete.html", context, status=400 if refusal else 200)

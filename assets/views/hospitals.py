"""The shared hospital directory: public facts anyone signed in may read; edits are audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from assets import selectors, services
from assets.access import hospital_access
from assets.directory import selectors as directory_selectors
from assets.filters import HospitalFilter
from assets.forms import HospitalForm
from assets.services import StaleEdit
from assets.views.common import add_service_errors, stale_author, stale_changes
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest


@login_required
@require_GET
@vary_on_headers("HX-Request")
def hospital_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = HospitalFilter(request.GET, user=request.user)
    page = Paginator(filters.results, 50).get_page(request.GET.get("page"))
    template = "assets/hospital_list.html#results" if request.htmx else "assets/hospital_list.html"
    context = {"page": page, "search": filters.form["q"].value() or ""}
    if access.can_edit_shared_directory(request.user) and not request.htmx:
        context["reviews_waiting"] = directory_selectors.site_match_reviews_pending().count()
    return render(request, template, context)


@login_required
@require_GET
def hospital_detail(request: AuthenticatedHttpRequest, hospital_id: int) -> HttpResponse:
    hospital = hospital_access(request, hospital_id)
    context = {
        "hospital": hospital,
        "sites": selectors.hospital_sites_for_user(hospital=hospital, user=request.user),
        "entries": selectors.hospital_history(hospital=hospital, user=request.user),
        "aliases": directory_selectors.hospital_aliases(hospital=hospital),
        "can_edit": access.can_edit_shared_directory(request.user),
    }
    return render(request, "assets/hospital_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def hospital_edit(request: AuthenticatedHttpRequest, hospital_id: int) -> HttpResponse:
    hospital = hospital_access(request, hospital_id, edit=True)
    form = HospitalForm(request.POST or None, instance=hospital)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.fact_save(instance=form.instance, user=request.user, expected_version=form.expected_version)
        except StaleEdit as refused:
            stale = {"author": "someone else", "changes": stale_changes(form, refused)}
            if access.colleagues_among(request.user, {_last_editor(refused)}):
                stale["author"] = stale_author(refused)
            form.refresh_after_stale(refused)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Hospital saved.")
            return redirect("assets:hospital_detail", hospital_id=hospital.pk)
    return render(
        request,
        "assets/hospital_form.html",
        {"form": form, "hospital": hospital, "stale": stale},
        status=409 if stale else 200,
    )


def _last_editor(refused: StaleEdit) -> int:
    latest = refused.current.history.order_by("-history_date").first()
    return latest.history_user_id if latest and latest.history_user_id else 0

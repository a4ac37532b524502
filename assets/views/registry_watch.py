"""A study's registry record versions and their watch: the list of versions with where and when each came, what a
new version changes and what it would do to the findings, the decision on it, "check now", and a lead's schedule.

No view waits on ClinicalTrials.gov: "check now" hands the check to a worker and answers at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from assets import selectors
from assets.access import asset_lead_access, fact_access, registry_version_access
from assets.models import Study
from assets.registry.forms import RegistryDecisionForm, RegistryScheduleForm
from assets.registry.watch import (
    StaleDecision,
    StaleSchedule,
    registry_version_accept,
    registry_version_keep,
    registry_watch_check_now,
    registry_watch_of,
    registry_watch_schedule_set,
)
from teams import access
from teams.http import AuthenticatedHttpRequest, HtmxHttpRequest

PAGE = "assets/study_registry.html"


def _page(
    request: AuthenticatedHttpRequest,
    study: Study,
    *,
    status: int = 200,
    refusal: str = "",
    partial: bool = False,
    **forms: object,
) -> HttpResponse:
    """The study's page (or, for htmx, its watch section alone, polled while a check is waiting for a worker); the
    decision forms only for those who may change the facts, the schedule only for leads."""
    context = selectors.study_registry(study=study) | {"study": study, "refusal": refusal}
    if access.can_edit(request.user, study.team_id):
        context["decision_form"] = forms.get("decision_form") or RegistryDecisionForm(
            initial={"seen_latest": context["newest_version_id"]}
        )
    if study.asset is not None and access.can_lead(request.user, study.team_id):
        watch = context["watch"]
        context["schedule_form"] = forms.get("schedule_form") or RegistryScheduleForm(
            initial={"schedule": watch.schedule if watch else "daily", "version": watch.version if watch else 0}
        )
    # A refused form's errors are said at the top, hidden fields' included (a tampered version).
    context["forms_refused"] = [form for form in forms.values() if isinstance(form, BaseForm) and form.errors]
    if not partial:
        return render(request, PAGE, context, status=status)
    response = render(request, f"{PAGE}#watch-state", context, status=status)
    if status == 200 and not context["checking"]:  # answered: htmx stops polling (HTTP 286), keeping this content
        stopped = HttpResponseStopPolling(response.content)
        stopped["Content-Type"] = response["Content-Type"]
        return stopped
    return response


@login_required
@require_GET
@vary_on_headers("HX-Request")
def study_registry(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    study = fact_access(request, Study, study_id)
    return _page(request, study, partial=bool(request.htmx))


@login_required
@require_POST
@vary_on_headers("HX-Request")
def study_registry_check(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    """Hand the check to a worker; the page shows it as asked for, and its result once the worker has run."""
    study = fact_access(request, Study, study_id, edit=True)
    try:
        registry_watch_check_now(study=study, user=request.user)
    except ValidationError as error:
        # htmx swaps only 2xx answers: it gets the section with the refusal in it, a plain post the page with 400.
        said = " ".join(error.messages)
        return _page(request, study, status=200 if request.htmx else 400, refusal=said, partial=bool(request.htmx))
    if request.htmx:
        return _page(request, study, partial=True)
    messages.success(request, f"The check of {study.registry_id} is queued; this page shows its result.")
    return redirect("assets:study_registry", study_id=study.pk)


@login_required
@require_POST
def registry_version_decide(request: AuthenticatedHttpRequest, registry_version_id: int, decision: str) -> HttpResponse:
    """Accept the version into the facts, or keep the earlier one with a note; refused (409) when the page was
    stale: the version decided meanwhile, or a newer one arrived."""
    version = registry_version_access(request, registry_version_id, edit=True)
    form = RegistryDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, version.study, status=400, decision_form=form)
    seen, note = form.cleaned_data["seen_latest"], form.cleaned_data["note"]
    try:
        if decision == "accept":
            registry_version_accept(version_id=version.pk, user=request.user, seen_latest=seen)
        else:
            registry_version_keep(version_id=version.pk, user=request.user, note=note, seen_latest=seen)
    except StaleDecision as stale:
        return _page(request, version.study, status=409, refusal=str(stale))
    except ValidationError as error:
        form.add_error(None, error)  # a dict of field errors goes to its fields
        return _page(request, version.study, status=400, decision_form=form)
    said = "accepted into the facts" if decision == "accept" else "kept out of the facts"
    messages.success(request, f"Version {version.number} of {version.registry_id} {said}.")
    return redirect("assets:study_registry", study_id=version.study_id)


@login_required
@require_POST
def registry_watch_edit(request: AuthenticatedHttpRequest, asset_id: int) -> HttpResponse:
    """A lead sets how often the asset's records are checked (off, daily, weekly); a stale form is refused (409)."""
    asset = asset_lead_access(request, asset_id)
    form = RegistryScheduleForm(request.POST)
    back = request.POST.get("study")
    study = asset.studies.filter(pk=int(back)).first() if back and back.isdigit() and len(back) < 19 else None
    if form.is_valid():
        try:
            registry_watch_schedule_set(
                asset=asset,
                user=request.user,
                schedule=form.cleaned_data["schedule"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleSchedule as stale:
            if study is None:
                return _alert("The schedule was changed meanwhile; reload the page.", status=409)
            refusal = f"Not saved: the schedule was changed meanwhile to {stale.current.get_schedule_display()}."
            return _page(request, study, status=409, refusal=refusal)
        messages.success(request, f"Registry watch of {asset.code}: {registry_watch_of(asset).get_schedule_display()}.")
        return redirect("assets:study_registry", study_id=study.pk) if study else redirect(asset)
    if study is None:
        return _alert("Choose off, daily or weekly.", status=400)
    return _page(request, study, status=400, schedule_form=form)


def _alert(message: str, *, status: int) -> HttpResponse:
    """A refusal posted from no study's page (the study it names is not the asset's): the message alone."""
    return HttpResponse(format_html('<div class="form-error" role="alert">{}</div>', message), status=status)

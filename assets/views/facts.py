"""Create, edit, delete and history of every fact under an asset, driven by ``assets.kinds``.

Each view: the access check through ``assets.access`` (404 for anyone not on the owning team, and for partners on
writes), the form, the service, and a fragment for htmx or a full page otherwise.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from assets import selectors, services
from assets.access import asset_access, fact_access
from assets.forms import MISSING_VERSION, form_for
from assets.kinds import KINDS_BY_SLUG, FactKind, children_of
from assets.models import Asset
from assets.models.common import VersionedFact
from assets.services import StaleEdit
from assets.views.common import add_service_errors, posted_version, saved_response, stale_author, stale_changes
from teams.http import HtmxHttpRequest


def _asset_of(request: HtmxHttpRequest, fact: VersionedFact) -> Asset:
    asset_id = services.asset_id_of(fact)
    if asset_id is None:  # a study not (or no longer) under an asset
        raise Http404("Not found.")
    return asset_access(request, asset_id)


def _template(request: HtmxHttpRequest, name: str) -> str:
    return f"assets/{name}.html#fragment" if request.htmx else f"assets/{name}.html"


def _form_page(request: HtmxHttpRequest, kind: FactKind, instance: VersionedFact) -> HttpResponse:
    asset = _asset_of(request, instance) if instance.pk else None
    form = form_for(kind)(request.POST or None, instance=instance)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = kind.save(form, request.user)
        except StaleEdit as refused:
            stale = {"author": stale_author(refused), "changes": stale_changes(form, refused)}
            form.refresh_after_stale(refused)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved_response(request, asset=_asset_of(request, saved), tab=kind.tab)
    context = {"form": form, "kind": kind, "instance": instance, "asset": asset, "stale": stale}
    return render(request, _template(request, "fact_form"), context, status=409 if stale else 200)


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def fact_create(request: HtmxHttpRequest, kind: str, **parent_id: int) -> HttpResponse:
    spec = KINDS_BY_SLUG[kind]
    parent = fact_access(request, spec.parent_model, _only(parent_id), edit=True)
    return _form_page(request, spec, spec.existing(parent) or spec.build(parent))


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def fact_edit(request: HtmxHttpRequest, kind: str, **fact_id: int) -> HttpResponse:
    spec = KINDS_BY_SLUG[kind]
    return _form_page(request, spec, fact_access(request, spec.model, _only(fact_id), edit=True))


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def fact_delete(request: HtmxHttpRequest, kind: str, **fact_id: int) -> HttpResponse:
    spec = KINDS_BY_SLUG[kind]
    fact = fact_access(request, spec.model, _only(fact_id), edit=True)
    asset = _asset_of(request, fact)
    stale, refusal = None, ""
    if request.method == "POST" and (version := posted_version(request)) is None:
        refusal = MISSING_VERSION
    elif request.method == "POST":
        try:
            services.fact_delete(instance=fact, user=request.user, expected_version=version)
        except StaleEdit as refused:
            fact, stale = refused.current, stale_author(refused)
        else:
            # Read afresh: the asset was read with its deal terms and plan, and one of them may be what went.
            asset = asset_access(request, asset.pk)
            return saved_response(request, asset=asset, tab=spec.tab)
    context = {
        "fact": fact,
        "kind": spec,
        "has_children": bool(children_of(spec)),
        "asset": asset,
        "stale": stale,
        "refusal": refusal,
    }
    status = 409 if stale else 400 if refusal else 200
    return render(request, _template(request, "fact_confirm_delete"), context, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def fact_history(request: HtmxHttpRequest, kind: str, **fact_id: int) -> HttpResponse:
    spec = KINDS_BY_SLUG[kind]
    fact = fact_access(request, spec.model, _only(fact_id))
    entries = selectors.record_history(instance=fact)
    context = {"fact": fact, "kind": spec, "asset": _asset_of(request, fact), "entries": entries}
    return render(request, _template(request, "fact_history"), context)


def _only(url_ids: dict[str, int]) -> int:
    """The one id in the URL; its name (``site_id``, ``study_id``...) says which kind, for the URL walk."""
    (value,) = url_ids.values()
    return value

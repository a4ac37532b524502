"""Helpers the fact views share: turning service refusals into form errors, and answering after a save."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django_htmx.http import reswap, retarget

from assets import selectors
from assets.models import Asset
from assets.services import StaleEdit
from assets.tabs import asset_tabs
from teams.http import HtmxHttpRequest
from teams.labels import field_label, value_label


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Errors from the model's full validation beside their field where the form has it, above the form otherwise."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields and field != NON_FIELD_ERRORS else None, messages)


def stale_changes(form: BaseForm, stale: StaleEdit) -> list[tuple[str, str, str]]:
    """The fields both people changed, differently: (label, theirs, yours). When where the edit began is not known,
    every field where the stored record differs from what this user submitted."""
    changes = []
    names = stale.conflicts or [name for name in form.fields if name != "version" and hasattr(stale.current, name)]
    model = type(stale.current)
    for name in names:
        field = form.fields.get(name)
        theirs = getattr(stale.current, name)
        # A field the form fills in another way (an originator by its name) is read from the instance it built.
        yours = (
            form.cleaned_data.get(name) if field is not None else getattr(getattr(form, "instance", None), name, None)
        )
        if _comparable(theirs) != _comparable(yours):
            label = str(field.label) if field is not None and field.label else field_label(model, name)
            changes.append((label, value_label(model, name, theirs), value_label(model, name, yours)))
    return changes


def stale_author(stale: StaleEdit) -> str:
    latest = stale.current.history.select_related("history_user").order_by("-history_date").first()
    return str(latest.history_user) if latest and latest.history_user else "someone else"


def _comparable(value: object) -> object:
    return "" if value is None else str(getattr(value, "pk", value))


def saved_response(request: HtmxHttpRequest, *, asset: Asset, tab: str) -> HttpResponse:
    """After a write: htmx gets the refreshed tab in place; a plain browser is redirected to it."""
    if not request.htmx:
        return redirect(f"{asset.get_absolute_url()}?tab={tab}")
    response = render(request, "assets/asset_detail.html#tab-panel", tab_page_context(request, asset=asset, tab=tab))
    return reswap(retarget(response, "#tab-panel"), "innerHTML")


def tab_page_context(request: HtmxHttpRequest, *, asset: Asset, tab: str) -> dict[str, object]:
    from teams import access

    return {
        "asset": asset,
        "team": asset.team,
        "tab": tab,
        "tabs": asset_tabs(asset.pk),
        "tab_template": f"assets/tabs/_{tab}.html",
        "can_edit": access.can_edit(request.user, asset.team_id),
        "today": timezone.localdate(),
        **selectors.tab_context(asset=asset, tab=tab, today=timezone.localdate(), params=request.GET),
    }


def posted_version(request: HttpRequest) -> int | None:
    """The record version a delete form was rendered with; None when absent or not a number (then the delete is
    refused with ``MISSING_VERSION``: a delete, like an edit, is checked against changes made since)."""
    try:
        return int(request.POST.get("version") or "") or None
    except ValueError:
        return None

"""Every form and every filter on every page, fed hostile text in one field at a time (the rest as the page renders
them, so the hostile value reaches as deep as a real submission would): never a 500, a refusal says why, and a
refused request writes nothing.

The forms are found on the pages, not listed by hand: each GET route of the URL walk is rendered for the team's lead
and every <form> on it (hx-post and hx-get ones too) is collected, so a new form is fuzzed the moment a page shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import MINIMAL_PDF, World, client_for
from tests.hostile import TRIED, FormSeen, forms_on, hostile_text, multipart, refused, row_counts, urlencoded
from tests.urlwalk import PARAMS, PUBLIC_ROUTES, iter_routes

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse  # the test client's response, as django-stubs name it

pytestmark = pytest.mark.django_db

EXAMPLES_PER_FORM = 6  # forms: one field at a time or every field at once
EXAMPLES_PER_PAGE = 4  # pages: every parameter at once
EVERY_FIELD = "(every field)"  # the hostile value in every field at once: reaches each field's own cleaning
# Submitting these would end the client's session, not test a form.
SKIPPED_ACTIONS = frozenset({"/accounts/logout/"})


def every_page(world: World, client: Client) -> tuple[list[str], dict[tuple[str, str], FormSeen]]:
    """The URL of every page the lead can GET, and every form on them."""
    pages: list[str] = []
    forms: dict[tuple[str, str], FormSeen] = {}
    for route in iter_routes():
        if route.name in PUBLIC_ROUTES or not route.name or any(p not in PARAMS for p in route.params):
            continue
        url = reverse(route.name, kwargs={p: PARAMS[p].build(world) for p in route.params})
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                if not headers:
                    pages.append(url)
                for form in forms_on(url, response.content.decode()):
                    if form.key[1] not in SKIPPED_ACTIONS:
                        forms.setdefault(form.key, form)
    return pages, forms


def submit(client: Client, form: FormSeen, name: str, value: str, names: list[str]) -> _MonkeyPatchedWSGIResponse:
    """The form as the page renders it, with ``value`` in the field ``name`` (or in every field)."""
    fields = dict(form.fields)
    files = {field: ("evidence.pdf", MINIMAL_PDF) for field in form.files}
    for target in names if name == EVERY_FIELD else [name]:
        if target in files:
            files[target] = (value, MINIMAL_PDF)  # the hostile text as the upload's file name
        else:
            fields[target] = value
    headers = {"HX-Request": "true"} if form.htmx else {}
    path = form.key[1]
    if form.method == "get":
        return client.get(f"{path}?{urlencoded(fields)}", headers=headers)
    if form.multipart:
        body, content_type = multipart(fields, files)
        return client.post(path, body, content_type=content_type, headers=headers)
    return client.post(path, urlencoded(fields), content_type="application/x-www-form-urlencoded", headers=headers)


def test_every_form_and_filter_answers_hostile_text_without_a_server_error(world, capsys):
    client = client_for(world.lead)
    client.raise_request_exception = False  # a 500 is what we look for, as a status
    pages, forms = every_page(world, client)
    # The forms the issue named, found on their pages.
    paths = {path for _method, path in forms}
    assert {"/assets/", "/hospitals/", "/assets/new/", "/studies/import/", "/assets/import/"} <= paths
    assert any(path.startswith("/reviews/") and method == "get" for method, path in forms)  # the review filters
    assert any("/evidence/new/" in path for path in paths)
    assert len(forms) >= 20
    failures: list[str] = []

    for form in forms.values():
        failures += fuzz(client, form)
    # Every page also takes query parameters no form of its own sends (``/assets/new/?team=`` from a team's page):
    # each page is asked with any name a form anywhere uses.
    every_name = sorted({name for form in forms.values() for name in form.names()} | {"page", "q"})
    for url in pages:
        failures += fuzz(client, FormSeen("get", url, multipart=False, htmx=False), names=every_name, mode=EVERY_FIELD)
    with capsys.disabled():
        tried = TRIED["forms and filters"]
        print(f"\nhostile forms: {len(forms)} forms and filters, {len(pages)} pages, {tried} inputs tried")
    assert failures == []


def fuzz(client: Client, form: FormSeen, names: list[str] | None = None, mode: str | None = None) -> list[str]:
    """Hypothesis over one form: the first failure it finds (shrunk), or none."""
    names = names or form.names() + (["page"] if form.method == "get" else [])
    names = names or ["unexpected"]  # a form that is only a button still takes parameters it does not expect

    @settings(
        max_examples=EXAMPLES_PER_PAGE if mode else EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(name=st.just(mode) if mode else st.sampled_from([EVERY_FIELD, *names]), value=hostile_text)
    def attempt(name: str, value: str) -> None:
        TRIED["forms and filters"] += 1
        with transaction.atomic():
            before = row_counts()
            response = submit(client, form, name, value, names)
            written = row_counts() != before
            transaction.set_rollback(True)
        said = f"{form.method.upper()} {form.key[1]} {name}={value[:40]!r}: {response.status_code}"
        assert response.status_code < 500, f"{said}: server error"
        if response.status_code == 400:
            assert refused(response.content), f"{said}: a 400 must say why"
        if response.status_code >= 400 or refused(response.content):
            assert not written, f"{said}: refused, yet something was written"

    try:
        attempt()
    except AssertionError as error:
        return [str(error).splitlines()[0]]
    return []

"""Requests refused before any view reads them, with a message a person can act on (never a bare "Bad Request").

``UnstorableInputMiddleware`` refuses a parameter (query string or form field) holding what the
database cannot store, naming the parameter, so no view, filter or form ever hands a NUL to PostgreSQL. Django's own
refusals (a multipart part header over its 1 KB limit, as a 10,000-character file name makes; too many fields) come
to ``bad_request``, Django's ``handler400``, which says what happened. For htmx the message alone is swapped into the
page's alert region (``#request-errors`` in ``_base.html``), so the form stays where it was.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader

from teams.untrusted import unstorable

GENERIC = "The request could not be read."
REASONS: list[tuple[type[Exception], str]] = [
    (
        MultiPartParserError,
        "The upload could not be read: a file name (or another part of the form) is longer than the server accepts. "
        "Give the file a shorter name (under 200 characters) and try again.",
    ),
    (RequestDataTooBig, "The form is larger than the server accepts."),
    (TooManyFieldsSent, "The form has more fields than the server accepts."),
    (TooManyFilesSent, "The form has more files than the server accepts."),
]


class UnstorableParameter(BadRequest):
    """A parameter the database could not store; the message names it."""


class UnstorableInputMiddleware:
    """Refuse (400, with a message) a request whose parameter names or values hold a NUL character. Upload file
    names need no check: Django's multipart parser drops their unprintable characters."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sources = [("query parameter", request.GET)]
        if request.method == "POST":
            sources.append(("form field", request.POST))
        for what, data in sources:
            for name, values in data.lists():
                for text in (name, *values):
                    if problem := unstorable(text):
                        raise UnstorableParameter(f"The {what} “{_shown(name)}” {problem}.")
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler400. Rendered without the request (like the 503 page): the request is the broken thing."""
    reason = next((text for kind, text in REASONS if isinstance(exception, kind)), GENERIC)
    if isinstance(exception, UnstorableParameter):
        reason = str(exception)
    htmx = request.headers.get("HX-Request") == "true"
    template = "400.html#message" if htmx else "400.html"
    response = HttpResponse(loader.render_to_string(template, {"reason": reason}), status=400)
    response["Cache-Control"] = "no-store"
    if htmx:
        response["HX-Retarget"] = "#request-errors"
        response["HX-Reswap"] = "innerHTML show:top"
    return response


def _shown(name: str) -> str:
    """A parameter's name as shown: printable, and short."""
    printable = name.replace("\x00", "\\0")
    return printable if len(printable) <= 40 else printable[:40] + "…"

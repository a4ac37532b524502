"""The request types views are annotated with, at the bottom of the house so assets and diligence share them.

Annotations only: Django builds a plain ``HttpRequest``; these say what the middleware and decorators in front of a
view guarantee, so the type checker knows it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from teams.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind ``login_required`` receives: its user is signed in, never anonymous."""

    user: User


class HtmxHttpRequest(AuthenticatedHttpRequest):
    """A signed-in request with ``request.htmx``, which django-htmx's middleware sets on every request (the
    django-htmx docs' idiom). Every view that reads ``request.htmx`` is behind ``login_required``."""

    htmx: HtmxDetails

"""Project middleware: sessions that expire after inactivity, pages for signed-in users kept out of caches, a plain
503 page when the database cannot be reached, and counterparty contacts kept to their own pages."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import loader
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin

from teams import access

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """A view that cannot reach the database answers 503 with a plain page, not a 500 and a stack trace.

    ``OperationalError``/``InterfaceError`` are what the drivers raise for a refused, dropped or timed-out
    connection. The page is rendered without the request, so no context processor (navigation, messages, the
    user) touches the database again; the traceback still goes to the log.

    On any 503 (this page, or ``/health/`` saying the database is down) the request's session and messages are
    dropped on the way out: with a session due for its activity refresh the session middleware would otherwise read the
    database-backed session to refresh its cookie, fail the same way, and turn the 503 into a 500. Without a session
    it leaves the response, and the user's cookie, alone (it never saves a session on a 5xx anyway). This must sit
    below ``SessionMiddleware`` so its response phase runs first.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable while serving %s %s", request.method, request.path, exc_info=exception)
        return database_unavailable_response()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code == 503:
            for attribute in ("session", "_messages"):
                vars(request).pop(attribute, None)
        return response


def database_unavailable_response() -> HttpResponse:
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class SessionActivityMiddleware:
    """Sessions end after ``SESSION_COOKIE_AGE`` without a request. Rather than writing the session on every request
    (``SESSION_SAVE_EVERY_REQUEST``: three statements and a commit on each page view), the expiry is pushed forward
    only when the last push is older than ``SESSION_ACTIVITY_RESOLUTION`` seconds, so an idle session ends within
    that margin of the configured age. Sits just below ``SessionMiddleware``."""

    KEY = "_activity"

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500:
            return response
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            # Never as coarse as the session's own age, or an active user would be logged out mid-work.
            resolution = min(settings.SESSION_ACTIVITY_RESOLUTION, settings.SESSION_COOKIE_AGE // 4)
            if now - session.get(self.KEY, 0) >= resolution:
                session[self.KEY] = now  # modified: SessionMiddleware saves it and re-sends the cookie
        return response


class PrivatePagesMiddleware:
    """Every response to a signed-in user carries deal data or could: ``Cache-Control: private, no-store`` unless the
    view set its own, so no proxy keeps it and the browser does not keep it on disk. Sits below the authentication
    middleware (it reads ``request.user``)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 500:  # the 503 page sets its own, and its request has no session left to read
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class CounterpartyConfinementMiddleware:
    """A counterparty contact reaches the ``counterparty`` pages and logging out, nothing else: every other page
    (a team's facts, the hospital directory, notifications, the admin) answers 404 as to a stranger, whatever its
    view would say. The home page sends them to their requests. Reads ``user.is_counterparty`` from the user the
    request loads anyway: no query. Sits below ``AuthenticationMiddleware``."""

    ALLOWED_NAMESPACES = frozenset({"counterparty"})
    ALLOWED_ROUTES = frozenset({"logout", "login", "health"})

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, view_args: object, view_kwargs: object
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.namespace in self.ALLOWED_NAMESPACES or match.view_name in self.ALLOWED_ROUTES:
            return None  # open to a contact too: the user is not read here (/health/ answers without it)
        try:
            confined = access.is_counterparty(request.user)  # the user is read here, before any view
        except (OperationalError, InterfaceError):
            logger.error("database unavailable while serving %s %s", request.method, request.path)
            return database_unavailable_response()
        if not confined:
            return None
        if match.view_name == "diligence:home":
            return HttpResponseRedirect(reverse("counterparty:home"))
        raise Http404("Not found.")

"""Throttles: per-user rate limits on expensive writes (memo renders, imports), and the login throttle's backend.

Rate limits are HTTP plumbing, no app's domain, so they live here and are applied by URL name: ``RateLimitMiddleware``
looks the resolved view up in ``settings.DILIGENCE_RATE_LIMITED_VIEWS`` (URL name -> group) and counts the signed-in
user's POSTs against the group's rate in ``settings.DILIGENCE_RATE_LIMITS``, read at request time (so deployments and
tests change it without code). The counting is django-ratelimit's, keyed by user id, in ``CACHES["default"]`` — Redis
or a file cache under VAR_DIR, both shared by every web process. Redis counts atomically; the file cache may let a
burst of truly simultaneous requests slip one or two past the limit, which is good enough for a single machine.

Over the limit the view is not run: the answer is 429 with a ``Retry-After`` header and a short page, or, for htmx,
the message alone as a fragment (the htmx-config in ``_base.html`` lets htmx swap a 429 in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

# What each group protects, said in the refusal.
DOING = {"memo_create": "memo requests", "import": "imports"}


class RateLimitMiddleware:
    """Refuse a signed-in user's POST to a rate-limited view beyond its group's rate; other requests pass uncounted.

    Views sharing a group share one allowance (every import view counts against ``"import"``). Anonymous requests
    are not counted: the view's own ``login_required`` sends them to the login page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        unknown = set(settings.DILIGENCE_RATE_LIMITED_VIEWS.values()) - set(settings.DILIGENCE_RATE_LIMITS)
        if unknown:
            raise ImproperlyConfigured(f"no rate configured in DILIGENCE_RATE_LIMITS for {sorted(unknown)}")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: object, args: object, kwargs: object) -> HttpResponse | None:
        match = request.resolver_match
        group = settings.DILIGENCE_RATE_LIMITED_VIEWS.get(match.view_name) if match else None
        if group is None or request.method != "POST" or not request.user.is_authenticated:
            return None
        retry_after = seconds_until_allowed(request, group)
        return None if retry_after is None else too_many_requests(request, group, retry_after)


def seconds_until_allowed(request: HttpRequest, group: str) -> int | None:
    """Count this request; ``None`` while within the rate, else how long until the window resets.

    A cache that cannot be reached lets the request through (logged): a rate limit guards capacity, and refusing
    every memo while Redis restarts would be the outage it exists to prevent."""
    try:
        usage = get_usage(
            request,
            group=f"diligence.{group}",
            key="user_or_ip",
            rate=settings.DILIGENCE_RATE_LIMITS[group],
            method=ALL,
            increment=True,  # the middleware has already picked the requests that count
        )
    except Exception as error:  # redis-py's ConnectionError, an unwritable cache folder...
        logger.warning("rate limit %s not checked: cache unavailable (%s)", group, type(error).__name__)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def too_many_requests(request: HttpRequest, group: str, retry_after: int) -> HttpResponse:
    context = {
        "doing": DOING.get(group, "requests"),
        "rate": describe_rate(settings.DILIGENCE_RATE_LIMITS[group]),
        "minutes": max(1, round(retry_after / 60)),
    }
    template = "429.html#message" if getattr(request, "htmx", False) else "429.html"
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


PERIODS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def describe_rate(rate: str) -> str:
    """django-ratelimit's ``"20/h"`` or ``"5/10m"`` as people say it: "20 per hour", "5 per 10 minutes"."""
    count, _, period = rate.partition("/")
    multiple, unit = period[:-1], PERIODS.get(period[-1:], period)
    return f"{count} per {multiple} {unit}s" if multiple and multiple != "1" else f"{count} per {unit}"


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes's lock-out check for logins over the web; code that authenticates without a request passes on.

    Every login form (ours, the admin's) hands ``authenticate`` the request, so axes sees each attempt's username and
    address. A call without one (a management command, a test's ``authenticate(username=..., password=...)``) has no
    address to throttle; axes would refuse it outright, so it goes straight to the next backend instead."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: object
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)

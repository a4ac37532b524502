"""Walk every URL pattern in the resolver as every kind of user and check what the access policy promises.

Routes are found in the resolver, not listed by hand, so a new view is walked the moment it is routed. Each URL
parameter is filled with an object of team phoenix by a builder below; a route with a parameter nobody knows
how to fill is itself reported, so adding a view means teaching the walker its parameters.

Promises checked:
- anonymous: every method redirects to the login page;
- outsiders (a member of another team, and staff with no membership): 404 on every method of a route that
  shows team data (405 is allowed: it reveals nothing);
- insiders: a page, a redirect or a form error (never 404, 403 or 5xx) on the first method the view accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World, client_for

ROLES = ("anonymous", "member", "lead", "partner", "outsider", "staff")
TEAM_ROLES = ("member", "lead", "partner")
OUTSIDER_ROLES = ("outsider", "staff")

# Reachable without logging in; they hold no team data.
PUBLIC_ROUTES = frozenset({"health", "login", "logout"})
# The Django admin has its own staff-only gate, tested in tests/diligence/test_admin.py.
SKIPPED_NAMESPACES = frozenset({"admin"})


@dataclass(frozen=True)
class Param:
    build: Callable[[World], object]
    team_owned: bool = True


# URL parameter name -> how to fill it with an object of team phoenix.
PARAMS: dict[str, Param] = {
    "team_slug": Param(lambda w: w.phoenix.slug),
}

# Routes only some team roles may use (everyone else on the team gets 404). Default: all of TEAM_ROLES.
ROUTE_INSIDERS: dict[str, frozenset[str]] = {}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]


def _params_of(pattern: object) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.regex.groupindex)  # type: ignore[attr-defined]


def iter_routes(urlconf: str | None = None) -> Iterator[Route]:
    def walk(patterns: list, prefix: str, namespace: str, params: tuple[str, ...]) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in SKIPPED_NAMESPACES:
                    continue
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns, params + _params_of(entry.pattern))
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else ""
                yield Route(name=name, pattern=prefix + str(entry.pattern), params=params + _params_of(entry.pattern))

    yield from walk(get_resolver(urlconf).url_patterns, "", "", ())


def _probe(client: object, method: str, url: str) -> int:
    """One request, rolled back afterwards, so a POST to a delete view cannot change what the next probe sees."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})  # type: ignore[attr-defined]
        transaction.set_rollback(True)
    if response.status_code == 302:
        return 302 if "/accounts/login/" not in response["Location"] else 399  # 399: sent to log in
    return response.status_code


def check_route(world: World, route: Route, url: str, team_owned: bool) -> list[str]:
    problems: list[str] = []
    insiders = ROUTE_INSIDERS.get(route.name, frozenset(TEAM_ROLES))
    for role in ROLES:
        client = client_for(world.user(role))
        statuses = {method: _probe(client, method, url) for method in ("GET", "POST")}
        said = f"{route.name or route.pattern} {url} as {role}: {statuses}"
        if any(status >= 500 for status in statuses.values()):
            problems.append(f"{said}: server error")
        elif role == "anonymous":
            if any(status not in (399, 405) for status in statuses.values()):
                problems.append(f"{said}: anonymous must be sent to log in")
        elif team_owned and (role in OUTSIDER_ROLES or role not in insiders):
            if any(status not in (404, 405) for status in statuses.values()) or 404 not in statuses.values():
                problems.append(f"{said}: must be 404 for someone not entitled to it")
        else:
            accepted = [s for s in statuses.values() if s != 405]
            if not accepted or accepted[0] in (399, 403, 404):
                problems.append(f"{said}: an entitled user must get in")
    return problems


def walk(world: World, urlconf: str | None = None) -> tuple[list[Route], list[str]]:
    """Probe every route; return the routes walked and every broken promise."""
    walked: list[Route] = []
    problems: list[str] = []
    with override_settings(ROOT_URLCONF=urlconf) if urlconf else _nothing():
        for route in iter_routes(urlconf):
            if route.name in PUBLIC_ROUTES:
                continue
            if not route.name:
                problems.append(f"{route.pattern}: every route needs a name so it can be walked")
                continue
            unknown = [p for p in route.params if p not in PARAMS]
            if unknown:
                problems.append(f"{route.name}: no builder for URL parameter(s) {unknown}; add them to PARAMS")
                continue
            kwargs = {p: PARAMS[p].build(world) for p in route.params}
            url = reverse(route.name, kwargs=kwargs, urlconf=urlconf)
            team_owned = any(PARAMS[p].team_owned for p in route.params)
            walked.append(route)
            problems.extend(check_route(world, route, url, team_owned))
    return walked, problems


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

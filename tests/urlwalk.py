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
    "asset_id": Param(lambda w: w.facts.asset.pk),
    "study_id": Param(lambda w: w.facts.study.pk),
    "claim_id": Param(lambda w: w.facts.claim.pk),
    "evidence_id": Param(lambda w: w.facts.evidence.pk),
    "site_id": Param(lambda w: w.facts.site.pk),
    "ethics_id": Param(lambda w: w.facts.ethics.pk),
    "hgr_id": Param(lambda w: w.facts.hgr.pk),
    "nhc_id": Param(lambda w: w.facts.nhc.pk),
    "ind_id": Param(lambda w: w.facts.ind.pk),
    "deal_id": Param(lambda w: w.facts.deal.pk),
    "milestone_id": Param(lambda w: w.facts.milestone.pk),
    "royalty_id": Param(lambda w: w.facts.royalty.pk),
    "plan_id": Param(lambda w: w.facts.plan.pk),
    "review_id": Param(lambda w: w.facts.review.pk),
    "item_id": Param(lambda w: w.facts.review_item.pk),
    "evidence_file_id": Param(lambda w: w.facts.evidence_file.pk),
    "finding_id": Param(lambda w: w.facts.finding.pk),
    "memo_id": Param(lambda w: w.facts.memo.pk),
    # The hospital directory is shared public facts: not team-owned.
    "hospital_id": Param(lambda w: w.facts.site.hospital_id, team_owned=False),
}

WRITERS = frozenset({"member", "lead"})  # partners review; they do not change the facts
LOGGED_IN = frozenset({"member", "lead", "partner", "outsider", "staff"})
# Routes whose entitled roles are not the default (see entitled_roles).
ROUTE_ROLES: dict[str, frozenset[str]] = {
    "hospital_edit": frozenset({"member", "lead", "outsider"}),  # anyone who edits facts on some team
    "memo_review_edit": frozenset({"partner"}),  # approve or request changes: partners only
    "memo_comment_create": frozenset(TEAM_ROLES),  # partners comment on memos too
    "access_log": frozenset({"lead"}),  # who saw what is for the team's lead alone
}


def entitled_roles(route_name: str, team_owned: bool) -> frozenset[str]:
    """Who may use a route: writes on team data are for members and leads; reads for the whole team."""
    if route_name in ROUTE_ROLES:
        return ROUTE_ROLES[route_name]
    if not team_owned:
        return LOGGED_IN
    if route_name.endswith(("_create", "_edit", "_delete")):
        return WRITERS
    return frozenset(TEAM_ROLES)


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
    entitled = entitled_roles(route.name, team_owned)
    for role in ROLES:
        client = client_for(world.user(role))
        statuses = {method: _probe(client, method, url) for method in ("GET", "POST")}
        said = f"{route.name or route.pattern} {url} as {role}: {statuses}"
        if any(status >= 500 for status in statuses.values()):
            problems.append(f"{said}: server error")
        elif role == "anonymous":
            if any(status not in (399, 405) for status in statuses.values()):
                problems.append(f"{said}: anonymous must be sent to log in")
        elif role not in entitled:
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

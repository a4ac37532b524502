"""Walk every URL pattern in the resolver as every kind of user, with every HTTP method the view accepts.

Routes are found in the resolver, not listed by hand, so a new view is walked the moment it is routed. Each URL
parameter is filled with an object of team phoenix by a builder below; a route with a parameter nobody knows
how to fill is itself reported, so adding a view means teaching the walker its parameters.

The methods a view accepts are read two ways and must agree: from the view itself (a class-based view's handlers
among its ``http_method_names``; a function view's ``require_http_methods`` / ``require_GET`` / ``require_POST``
decorators, found in the closures along its ``__wrapped__`` chain) and by asking it (every method, as a user
entitled to the route: anything but 405 is accepted). Every method either source accepts is walked.

Promises checked, on every accepted method:
- anonymous: redirected to the login page (405 is allowed: it reveals nothing);
- outsiders (a member of another team, and staff with no membership): 404 on a route that shows team data;
- counterparty contacts: 404 everywhere but their own pages (the ``counterparty`` namespace), where the contact of
  another asset gets 404 on phoenix's requests and files; team users get 404 there;
- insiders: a page, a redirect or a form error (never 404, 403, 405 or 5xx). On team data, methods that change
  something (anything but GET, HEAD, OPTIONS and TRACE) are writes: members and leads only, partners get 404.
POSTs and every other unsafe method go through the CSRF-enforcing client with the token a browser would send.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

from assets.models import RegistryRecordVersion, SiteMatchReview, Study, StudyRegistrationLink
from teams.models import DealTeam
from tests.conftest import World, client_for
from tests.factories import StudyFactory

ROLES = ("anonymous", "member", "lead", "partner", "outsider", "staff", "counterparty", "counterparty_elsewhere")
TEAM_ROLES = ("member", "lead", "partner")
# Counterparty contacts: phoenix's (requests on phoenix's asset are addressed to them) and one of another asset.
COUNTERPARTY_ROLES = frozenset({"counterparty", "counterparty_elsewhere"})
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Reachable without logging in; they hold no team data.
PUBLIC_ROUTES = frozenset({"health", "login", "logout", "counterparty:link_login"})
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
    "request_list_id": Param(lambda w: w.facts.request_list.pk),
    "counterparty_request_id": Param(lambda w: w.facts.counterparty_request.pk),
    "answer_file_id": Param(lambda w: w.facts.answer_file.pk),
    "import_job_id": Param(lambda w: w.facts.import_job.pk),
    "registration_link_id": Param(lambda w: registration_link_of(w.phoenix, w.facts.study).pk),
    "registry_version_id": Param(lambda w: registry_version_of(w.facts.study).pk),
    # The hospital directory is shared public facts: not team-owned.
    "hospital_id": Param(lambda w: w.facts.site.hospital_id, team_owned=False),
    # The directory's review queue: shared, curated; a site string waiting on the world's hospital.
    "match_review_id": Param(lambda w: _site_match_review(w).pk, team_owned=False),
}


def registry_version_of(study: Study) -> RegistryRecordVersion:
    """A pending version of the study's record, as the watch leaves one."""
    version, _created = RegistryRecordVersion.objects.get_or_create(
        study=study,
        content_hash="0" * 64,
        defaults={
            "team_id": study.team_id, "registry_id": study.registry_id, "raw_format": "ctgov_json", "raw_record": "{}",
            "origin": "watch", "retrieved_at": study.created_at, "status": "pending",
        },
    )  # fmt: skip
    return version


def _site_match_review(world: World) -> SiteMatchReview:
    review, _created = SiteMatchReview.objects.get_or_create(
        site_text="Peking University Hospital", defaults={"holding_id": world.facts.site.hospital_id}
    )
    return review


def registration_link_of(team: DealTeam, study: Study) -> StudyRegistrationLink:
    """A candidate pair of the team: its world study and a second registration of it on the same asset."""
    link = StudyRegistrationLink.objects.filter(team=team).first()
    if link is None:
        twin = StudyFactory(team=team, asset=study.asset, title=study.title, nct_id="", chictr_id="")
        first, second = sorted((study, twin), key=lambda s: s.pk)
        link = StudyRegistrationLink.objects.create(
            team=team, first=first, second=second, basis="scored", status="candidate", score=90
        )
    return link


WRITERS = frozenset({"member", "lead"})  # partners review; they do not change the facts
LOGGED_IN = frozenset({"member", "lead", "partner", "outsider", "staff"})
# Routes whose entitled roles are not the default (see entitled_roles), whatever the method.
ROUTE_ROLES: dict[str, frozenset[str]] = {
    "assets:hospital_edit": frozenset({"staff"}),  # the shared directory's curators: staff (or a curator permission)
    "assets:site_match_review_list": frozenset({"staff"}),
    "assets:site_match_confirm": frozenset({"staff"}),
    "assets:site_match_create": frozenset({"staff"}),
    "assets:site_match_merge": frozenset({"staff"}),
    "assets:import_job_status": WRITERS,  # a job is seen by those who may import into its team
    "assets:registry_watch_edit": frozenset({"lead"}),  # how often an asset's registry records are checked
    "diligence:memo_review_edit": frozenset({"partner"}),  # approve or request changes: partners only
    "diligence:memo_comment_create": frozenset(TEAM_ROLES),  # partners comment on memos too
    "teams:access_log": frozenset({"lead"}),  # who saw what is for the team's lead alone
    # Inviting, revoking and re-inviting counterparty contacts: the lead's.
    "diligence:counterparty_invite_create": frozenset({"lead"}),
    "diligence:counterparty_revoke_edit": frozenset({"lead"}),
    "diligence:login_link_create": frozenset({"lead"}),
    # A team's webhooks and their delivery log: the lead's.
    "diligence:webhook_list": frozenset({"lead"}),
    "diligence:webhook_create": frozenset({"lead"}),
    "diligence:webhook_deactivate_edit": frozenset({"lead"}),
    # The home page sends a counterparty contact on to their requests.
    "diligence:home": LOGGED_IN | COUNTERPARTY_ROLES,
}
COUNTERPARTY_NAMESPACE = "counterparty:"


def entitled_roles(route_name: str, team_owned: bool, method: str = "GET") -> frozenset[str]:
    """Who may use a route with a method: writes on team data are for members and leads; reads for the whole team."""
    if route_name in ROUTE_ROLES:
        return ROUTE_ROLES[route_name]
    if route_name.startswith(COUNTERPARTY_NAMESPACE):
        # A contact's own pages: their requests (phoenix's contact alone), or pages of no object (every contact).
        return frozenset({"counterparty"}) if team_owned else COUNTERPARTY_ROLES
    if not team_owned:
        return LOGGED_IN
    if route_name.endswith(("_create", "_edit", "_delete")) or method not in SAFE_METHODS:
        return WRITERS
    return frozenset(TEAM_ROLES)


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]
    view: Callable[..., object]


def declared_methods(view: Callable[..., object]) -> frozenset[str]:
    """The methods a view says it accepts, read from the view rather than by calling it."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        names = getattr(view, "view_initkwargs", {}).get("http_method_names", view_class.http_method_names)
        accepted = {name.upper() for name in names if hasattr(view_class, name)}
        if "GET" in accepted and "head" in names:
            accepted.add("HEAD")  # View.setup answers HEAD with get() when the class has no head()
        return frozenset(accepted & set(METHODS))
    accepted = set(METHODS)  # a function view with no method decorator takes anything
    layer: object = view
    while layer is not None:
        # require_http_methods (and require_GET, require_POST, require_safe) keeps its documented argument,
        # request_method_list, in the closure of the function it returns: a Django internal, checked against Django
        # 6.1 (tests/test_django_internals.py fails when an upgrade changes it). Django records the methods nowhere
        # public, and asking the view (the walk does that too) cannot tell a declaration from a hand-made 405.
        if inspect.isfunction(layer):
            methods = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
            if methods is not None:
                accepted &= set(methods)
        layer = getattr(layer, "__wrapped__", None)
    return frozenset(accepted)


def _params_of(pattern: RegexPattern | RoutePattern | LocalePrefixPattern) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.regex.groupindex)


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
                yield Route(
                    name=name,
                    pattern=prefix + str(entry.pattern),
                    params=params + _params_of(entry.pattern),
                    view=entry.callback,
                )

    yield from walk(get_resolver(urlconf).url_patterns, "", "", ())


def _probe(client: Client, method: str, url: str) -> int:
    """One request, rolled back afterwards, so a POST to a delete view cannot change what the next probe sees."""
    with transaction.atomic():
        post = method == "POST"  # the client's post() sends the CSRF token; generic() does for the other writes
        response = client.post(url, {}) if post else client.generic(method, url)
        transaction.set_rollback(True)
    if response.status_code == 302:
        return 302 if "/accounts/login/" not in response["Location"] else 399  # 399: sent to log in
    return response.status_code


@dataclass
class RouteWalk:
    """One route as walked: the methods it accepts and the requests made to it."""

    route: Route
    url: str
    methods: tuple[str, ...]
    probes: int = 0  # role × method requests checked against the promises
    discovery: int = 0  # requests made to learn which methods it accepts


def accepted_methods(
    clients: Mapping[str, Client], route: Route, url: str, team_owned: bool
) -> tuple[tuple[str, ...], list[str]]:
    """Every method the view declares or answers (as a user entitled to the route), and any disagreement."""
    entitled = set().union(*(entitled_roles(route.name, team_owned, method) for method in METHODS))
    prober = next(
        role for role in ("lead", "member", "partner", "outsider", "staff", "counterparty") if role in entitled
    )
    client = clients[prober]
    answered = {method for method in METHODS if _probe(client, method, url) != 405}
    declared = declared_methods(route.view)
    problems = []
    if declared != answered:
        problems.append(
            f"{route.name} {url}: declares {sorted(declared)} but answers {sorted(answered)} as {prober}; "
            "declare the methods with require_http_methods so the walk and the view agree"
        )
    return tuple(m for m in METHODS if m in declared | answered), problems


def check_route(clients: Mapping[str, Client], walked: RouteWalk, team_owned: bool) -> list[str]:
    problems: list[str] = []
    route, url = walked.route, walked.url
    for role in ROLES:
        client = clients[role]
        statuses = {method: _probe(client, method, url) for method in walked.methods}
        walked.probes += len(statuses)
        for method, status in statuses.items():
            said = f"{route.name or route.pattern} {method} {url} as {role}: {status}"
            if status >= 500:
                problems.append(f"{said}: server error")
            elif role == "anonymous":
                if status not in (399, 405):
                    problems.append(f"{said}: anonymous must be sent to log in")
            elif role not in entitled_roles(route.name, team_owned, method):
                if status != 404:
                    problems.append(f"{said}: must be 404 for someone not entitled to it")
            elif status in (399, 403, 404, 405):
                problems.append(f"{said}: an entitled user must get in")
    return problems


@dataclass
class WalkReport:
    routes: list[RouteWalk] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def walked(self) -> list[Route]:
        return [walked.route for walked in self.routes]

    @property
    def probes(self) -> int:
        return sum(walked.probes for walked in self.routes)

    @property
    def route_methods(self) -> int:
        """Routes × their accepted methods: each is walked once per role."""
        return sum(len(walked.methods) for walked in self.routes)

    def summary(self) -> str:
        by_method = Counter(method for walked in self.routes for method in walked.methods)
        methods = ", ".join(f"{method} {by_method[method]}" for method in METHODS if by_method[method])
        discovery = sum(walked.discovery for walked in self.routes)
        return (
            f"URL walk: {len(self.routes)} URL patterns, {self.route_methods} pattern-methods ({methods}) "
            f"× {len(ROLES)} roles = {self.probes} checked requests, plus {discovery} to learn the methods"
        )


def walk(world: World, urlconf: str | None = None) -> WalkReport:
    """Probe every route with every method it accepts, as every role; report the routes and every broken promise."""
    report = WalkReport()
    # One logged-in client per role for the whole walk: a new client would load the middleware stack again.
    clients = {role: client_for(world.user(role)) for role in ROLES}
    with override_settings(ROOT_URLCONF=urlconf) if urlconf else _nothing():
        for route in iter_routes(urlconf):
            if route.name in PUBLIC_ROUTES:
                continue
            if not route.name:
                report.problems.append(f"{route.pattern}: every route needs a name so it can be walked")
                continue
            unknown = [p for p in route.params if p not in PARAMS]
            if unknown:
                report.problems.append(f"{route.name}: no builder for URL parameter(s) {unknown}; add them to PARAMS")
                continue
            kwargs = {p: PARAMS[p].build(world) for p in route.params}
            url = reverse(route.name, kwargs=kwargs, urlconf=urlconf)
            team_owned = any(PARAMS[p].team_owned for p in route.params)
            methods, disagreements = accepted_methods(clients, route, url, team_owned)
            walked = RouteWalk(route=route, url=url, methods=methods, discovery=len(METHODS))
            report.routes.append(walked)
            report.problems.extend(disagreements)
            report.problems.extend(check_route(clients, walked, team_owned))
    return report


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None

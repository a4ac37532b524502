"""The access policy: the one place that answers "may this user see or change this?".

Deal teams are information barriers. Everything a team owns is reachable only through the querysets and
getters here, and an outsider gets 404 (never 403) so they do not learn that an object exists. Staff
administer users, teams and templates but see no team's deal data unless they are members.

It sits at the bottom of the house (``teams`` <- ``assets`` <- ``diligence``): the team is the unit of access for
the facts as well as for the work, and this module knows nothing of either.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Literal

from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404

from teams.models import CounterpartyContact, DealTeam, Membership, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from teams.http import AuthenticatedHttpRequest

# What the access log records of a reach: a page or fragment shown, a file downloaded, a list exported; and for a
# counterparty contact also a login from an emailed link and what they submit (an answer, a question).
LogAction = Literal["view", "download", "export"]
CounterpartyLogAction = Literal["view", "download", "export", "login", "submit"]


VIEW_ROLES = frozenset({Membership.Role.MEMBER, Membership.Role.LEAD, Membership.Role.PARTNER})
EDIT_ROLES = frozenset({Membership.Role.MEMBER, Membership.Role.LEAD})
LEAD_ROLES = frozenset({Membership.Role.LEAD})
REVIEW_ROLES = frozenset({Membership.Role.PARTNER})

_ROLES_CACHE = "_team_roles"
_TEAMS_CACHE = "_teams"
_FIGURES_CACHE = "_team_figures"

# Per-team figures an app above adds to the memberships read (the navigation's unread count): name -> a function
# giving a scalar SQL subquery over the membership row, aliased ``m`` (``m.user_id``, ``m.team_id``). Registered from
# AppConfig.ready, so the layout reads the roles, the teams and those figures in one query, and this module still
# knows nothing of the apps above it.
MEMBERSHIP_FIGURES: dict[str, Callable[[], str]] = {}


@cache
def _memberships_sql() -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The memberships read as SQL, built once per process from the models' tables: it runs on every request, and
    the ORM spent more time building this query (with its figures) than the database spent answering it."""
    quote = connection.ops.quote_name
    team_fields = DealTeam._meta.concrete_fields
    team_columns = [field.column for field in team_fields if field.column]  # concrete fields all have one
    figures = tuple(MEMBERSHIP_FIGURES)
    select = [
        f"m.{quote('team_id')}",
        f"m.{quote('role')}",
        *(f"t.{quote(column)}" for column in team_columns),
    ]
    select += [f"({MEMBERSHIP_FIGURES[name]()}) AS {quote(name)}" for name in figures]
    sql = (
        f"SELECT {', '.join(select)} FROM {quote(Membership._meta.db_table)} m "  # noqa: S608 - our tables and columns
        f"JOIN {quote(DealTeam._meta.db_table)} t ON t.{quote('id')} = m.{quote('team_id')} "
        f"WHERE m.{quote('user_id')} = %s ORDER BY t.{quote('name')}, t.{quote('id')}"
    )
    return sql, tuple(field.attname for field in team_fields), figures


_CONTACT_CACHE = "_counterparty_contact"


def _memberships(user: User) -> None:
    """Read the user's memberships with their teams once per user object: one query however many checks a page
    makes, the navigation's list of teams and the registered per-team figures included."""
    sql, team_attnames, figures = _memberships_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        rows = cursor.fetchall()
    db = connection.alias
    width = len(team_attnames)
    setattr(user, _ROLES_CACHE, {row[0]: row[1] for row in rows})
    setattr(user, _TEAMS_CACHE, [DealTeam.from_db(db, team_attnames, row[2 : 2 + width]) for row in rows])
    setattr(user, _FIGURES_CACHE, {name: sum(row[2 + width + n] for row in rows) for n, name in enumerate(figures)})


def team_roles(user: User | AnonymousUser) -> dict[int, str]:
    """The user's role per team id. A counterparty contact has none, whatever memberships someone gave them."""
    if not user.is_authenticated or not user.is_active or getattr(user, "is_counterparty", False):
        return {}
    if not hasattr(user, _ROLES_CACHE):
        _memberships(user)
    return getattr(user, _ROLES_CACHE)


def teams_of(user: User | AnonymousUser) -> list[DealTeam]:
    """The user's teams by name, from the same read as their roles."""
    if not team_roles(user):
        return []
    return getattr(user, _TEAMS_CACHE)


def team_figure(user: User | AnonymousUser, name: str) -> int:
    """A registered figure (``MEMBERSHIP_FIGURES``) summed over the user's teams, from the same read as their roles;
    0 for a user without teams."""
    if not team_roles(user):
        return 0
    figures: dict[str, int] = getattr(user, _FIGURES_CACHE)
    return figures[name]


def forget_roles(user: User) -> None:
    """Drop the cached roles after a membership change in the same request or task."""
    for name in (_ROLES_CACHE, _TEAMS_CACHE, _FIGURES_CACHE):
        if hasattr(user, name):
            delattr(user, name)


def role_on(user: User | AnonymousUser, team: DealTeam | int) -> str | None:
    team_id = team if isinstance(team, int) else team.pk
    return team_roles(user).get(team_id)


def can_view(user: User | AnonymousUser, team: DealTeam | int) -> bool:
    return role_on(user, team) in VIEW_ROLES


def can_edit(user: User | AnonymousUser, team: DealTeam | int) -> bool:
    """Members and leads change the team's facts and checklists; partners review and sign off."""
    return role_on(user, team) in EDIT_ROLES


def can_lead(user: User | AnonymousUser, team: DealTeam | int) -> bool:
    return role_on(user, team) in LEAD_ROLES


def can_review(user: User | AnonymousUser, team: DealTeam | int) -> bool:
    return role_on(user, team) in REVIEW_ROLES


def team_leads(team: DealTeam | int) -> QuerySet[User]:
    """The active people who lead the team (who hear of its membership changes)."""
    team_id = team if isinstance(team, int) else team.pk
    return User.objects.filter(is_active=True, memberships__team_id=team_id, memberships__role__in=LEAD_ROLES).order_by(
        "username"
    )


def teams_visible_to(user: User | AnonymousUser) -> QuerySet[DealTeam]:
    return DealTeam.objects.filter(pk__in=list(team_roles(user)))


def teams_editable_by(user: User | AnonymousUser) -> QuerySet[DealTeam]:
    """The teams where the user may add and change facts (member or lead): the choices for a new asset or import."""
    return DealTeam.objects.filter(pk__in=[team for team, role in team_roles(user).items() if role in EDIT_ROLES])


def team_by_slug(slug: str) -> DealTeam | None:
    """For trusted callers acting for the team (management commands), not for requests: no user is checked."""
    return DealTeam.objects.filter(slug=slug).first()


def user_by_username(username: str) -> User | None:
    """For management commands that record who acted."""
    from teams.models import User

    return User.objects.filter(username=username).first()


def team_get_for_user_or_404(*, user: User | AnonymousUser, slug: str) -> DealTeam:
    team = DealTeam.objects.filter(slug=slug).first()
    if team is None or not can_view(user, team):
        raise Http404("No such team.")
    return team


def scope[M: Model](queryset: QuerySet[M], *, user: User | AnonymousUser, team_field: str = "team") -> QuerySet[M]:
    """Restrict any team-owned queryset to the teams the user belongs to."""
    return queryset.filter(**{f"{team_field}__in": list(team_roles(user))})


def get_for_user_or_404[M: Model](
    queryset: QuerySet[M], *, user: User | AnonymousUser, team_field: str = "team", **lookup: object
) -> M:
    """Fetch one team-owned object the user may see, or 404 whether it is missing or someone else's."""
    obj = scope(queryset, user=user, team_field=team_field).filter(**lookup).first()
    if obj is None:
        raise Http404("Not found.")
    return obj


def colleagues_among(user: User | AnonymousUser, user_ids: set[int]) -> set[int]:
    """Which of these users share a team with ``user``: only their names may be shown to ``user``."""
    if not user_ids or not team_roles(user):
        return set()
    shared = Membership.objects.filter(team_id__in=list(team_roles(user)), user_id__in=user_ids)
    return set(shared.values_list("user_id", flat=True))


# The permission that makes someone a curator of the shared hospital directory (granted in the admin, e.g. by group).
CURATE_DIRECTORY = "assets.change_hospital"


def can_edit_shared_directory(user: User | AnonymousUser) -> bool:
    """Shared public facts (the hospital directory) change every team's findings at once, so they are curated: staff
    and curators (``CURATE_DIRECTORY``) edit them, never a team member as such. A team records its own verification
    of a grade on its site."""
    return bool(user.is_active and (user.is_staff or user.has_perm(CURATE_DIRECTORY)))


def require_edit(user: User | AnonymousUser, team: DealTeam | int) -> None:
    """Raise 404 unless the user may change the team's data (a partner who may only read also gets 404)."""
    if not can_edit(user, team):
        raise Http404("Not found.")


def require_review(user: User | AnonymousUser, team: DealTeam | int) -> None:
    """Raise 404 unless the user reviews and signs off the team's memos (a partner)."""
    if not can_review(user, team):
        raise Http404("Not found.")


def id_along(obj: Model, path: str) -> int | None:
    """The id at the end of an ORM path such as ``review__team``, followed along the object's relations (a hop its
    selector did not join costs a query); None where a hop is empty."""
    *hops, last = path.split("__")
    target: Model | None = obj
    for hop in hops:
        target = getattr(target, hop)
        if target is None:
            return None
    team_id: int | None = getattr(target, f"{last}_id")
    return team_id


def admit[M: Model](
    request: AuthenticatedHttpRequest,
    obj: M,
    *,
    team_field: str = "team",
    edit: bool = False,
    review: bool = False,
    log: LogAction | None = None,
    log_kind: str | None = None,
) -> M:
    """The steps after an object of a team has been fetched for the request's user (``get_for_user_or_404``): 404
    unless they may change the team's data (``edit``) or review its memos (``review``), then, only once every check
    has passed, append the access to the access log (``log``; ``log_kind`` names what was reached where it is not
    the model, as an asset's dossier). Views reach team data through their app's helpers, which call this."""
    if not (edit or review or log):
        return obj  # a read that is not logged: the fetch through the policy was the whole check
    team_id = id_along(obj, team_field)
    if team_id is None:  # reached through no team: nobody may change it, and there is no team's log to write to
        raise Http404("Not found.")
    if edit:
        require_edit(request.user, team_id)
    if review:
        require_review(request.user, team_id)
    if log is not None:
        # Imported here: teams.services imports this module.
        from teams.services.access_log import access_log_record

        access_log_record(request_or_user=request, team_id=team_id, action=log, obj=obj, kind=log_kind)
    return obj


def team_access(request: AuthenticatedHttpRequest, slug: str, *, lead: bool = False) -> DealTeam:
    """The team for the request's user, or 404; with ``lead``, 404 for all but its lead (who saw what, membership
    changes)."""
    team = team_get_for_user_or_404(user=request.user, slug=slug)
    if lead and not can_lead(request.user, team):
        raise Http404("Not found.")
    return team


# --- counterparty contacts -------------------------------------------------------------------------------------


def is_counterparty(user: User | AnonymousUser) -> bool:
    """A counterparty contact: confined to the requests addressed to them (config.middleware), never a team's data."""
    return bool(user.is_authenticated and getattr(user, "is_counterparty", False))


def contact_of(user: User | AnonymousUser) -> CounterpartyContact | None:
    """The user's counterparty contact while it may act: an active counterparty user, not revoked. Read once per
    user object."""
    if not is_counterparty(user) or not user.is_active:
        return None
    if not hasattr(user, _CONTACT_CACHE):
        contact = CounterpartyContact.objects.filter(user_id=user.pk, revoked_at__isnull=True).first()
        setattr(user, _CONTACT_CACHE, contact)
    return getattr(user, _CONTACT_CACHE)


def contact_get_for_user_or_404(user: User | AnonymousUser) -> CounterpartyContact:
    contact = contact_of(user)
    if contact is None:
        raise Http404("Not found.")
    return contact


def get_for_contact_or_404[M: Model](
    queryset: QuerySet[M], *, user: User | AnonymousUser, contact_field: str, **lookup: object
) -> M:
    """Fetch one object addressed to the user as a counterparty contact (``contact_field`` leads to the contact),
    or 404 whether it is missing, addressed to someone else, or the user is no contact at all."""
    contact = contact_of(user)
    obj = None if contact is None else queryset.filter(**{contact_field: contact}, **lookup).first()
    if obj is None:
        raise Http404("Not found.")
    return obj


def admit_counterparty[M: Model](
    request: AuthenticatedHttpRequest,
    obj: M,
    *,
    team_field: str,
    log: CounterpartyLogAction,
    log_kind: str | None = None,
) -> M:
    """After ``get_for_contact_or_404``: everything a counterparty does is appended to the team's access log."""
    team_id = id_along(obj, team_field)
    if team_id is None:
        raise Http404("Not found.")
    from teams.services.access_log import access_log_record

    access_log_record(request_or_user=request, team_id=team_id, action=log, obj=obj, kind=log_kind)
    return obj

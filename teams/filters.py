"""The base of every list filter: a django-filter FilterSet over rows already scoped by the access policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from teams.models import User

SEARCH_MAX_LENGTH = 100  # a search box's text beyond this is cut, not refused


class ScopedFilterSet(django_filters.FilterSet):
    """Filters for ``user`` over a queryset the subclass has scoped through the access policy, so no parameter can
    reach past it; choices that depend on the user (their teams) are set per instance.

    A value that is none of a filter's choices (another team's slug, a status that does not exist) matches nothing,
    as it always did when it went to the database unchecked; ``results`` is then empty. Filters that ignore what
    they do not know (a sort, a checkbox) take any value and never make the set invalid.
    """

    def __init__(self, data: QueryDict, *, queryset: QuerySet, user: User | AnonymousUser) -> None:
        search = data.get("q", "")
        if isinstance(search, str) and len(search) > SEARCH_MAX_LENGTH:
            data = data.copy()
            data["q"] = search[:SEARCH_MAX_LENGTH]
        super().__init__(data, queryset=queryset)
        self.params = data
        self.scoped = queryset
        self.user = user

    @property
    def results(self) -> QuerySet:
        return self.qs if self.is_valid() else self.scoped.none()


def ticked(value: str) -> bool:
    """A checkbox filter is on when sent as ``name=1``, the value the pages' checkboxes send; anything else is off."""
    return value == "1"

"""The list filters of the facts: the asset list and the hospital directory. Parameter names are the pages' own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict

from assets import selectors
from assets.directory.keys import to_simplified
from assets.models import Asset, Hospital, HospitalAlias, Study
from assets.models.common import Phase
from teams import access
from teams.filters import ScopedFilterSet

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

    from assets.selectors import AssetCounts
    from teams.models import User

    Assets = QuerySet[WithAnnotations[Asset, AssetCounts]]

ASSET_SORTS = {
    "code": ("code",),
    "-code": ("-code",),
    "name": ("name", "code"),
    "-name": ("-name", "code"),
    "modality": ("modality", "code"),
    "phase": ("highest_phase_china", "code"),
    "-updated": ("-updated_at", "code"),
    "studies": ("-study_count", "code"),
    "flags": ("-red_flags", "code"),
}
# What the sort menu offers (the reversed code and name sorts are reachable by URL only).
ASSET_SORT_CHOICES = [
    ("code", "Code"), ("name", "Name"), ("modality", "Modality"), ("phase", "Phase (China)"),
    ("-updated", "Recently changed"), ("studies", "Most studies"), ("flags", "Most high-severity findings"),
]  # fmt: skip
RED_FLAG_CHOICES = [("high", "With open high-severity findings"), ("none", "No open findings")]


class AssetFilter(ScopedFilterSet):
    """The asset list: the user's assets (``selectors.asset_list``), searched, filtered and sorted."""

    q = django_filters.CharFilter(method="search")
    team = django_filters.ChoiceFilter(field_name="team__slug", empty_label="All my teams")
    modality = django_filters.ChoiceFilter(choices=Asset.Modality.choices, empty_label="Any")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, method="in_phase", empty_label="Any")
    sponsor_type = django_filters.ChoiceFilter(
        choices=Study.SponsorType.choices, method="with_sponsor_type", empty_label="Any"
    )
    flags = django_filters.CharFilter(method="with_red_flags")  # an unknown value is ignored
    sort = django_filters.CharFilter(method="sort_by")  # an unknown value keeps the default order (by code)

    def __init__(self, data: QueryDict, *, user: User | AnonymousUser) -> None:
        super().__init__(data, queryset=selectors.asset_list(user=user), user=user)
        # The team menu offers the user's own teams, read with their roles (no query of its own).
        self.teams = access.teams_of(user)
        self.filters["team"].extra["choices"] = [(team.slug, team.name) for team in self.teams]

    def search(self, assets: Assets, name: str, term: str) -> Assets:
        """Code, name, INN, target or indication, or a study's registry id or acronym."""
        registry_match = Study.objects.filter(asset=OuterRef("pk")).filter(
            Q(nct_id__iexact=term)
            | Q(chictr_id__iexact=term)
            | Q(ctr_id__iexact=term)
            | Q(other_registry_id__iexact=term)
            | Q(acronym__icontains=term)
        )
        return assets.filter(
            Q(code__icontains=term)
            | Q(name__icontains=term)
            | Q(inn_name__icontains=term)
            | Q(target__icontains=term)
            | Q(indications__icontains=term)
            | Exists(registry_match)
        )

    def in_phase(self, assets: Assets, name: str, phase: str) -> Assets:
        """The highest phase reached in China or in the US."""
        return assets.filter(Q(highest_phase_china=phase) | Q(highest_phase_us=phase))

    def with_sponsor_type(self, assets: Assets, name: str, sponsor_type: str) -> Assets:
        return assets.filter(Exists(Study.objects.filter(asset=OuterRef("pk"), sponsor_type=sponsor_type)))

    def with_red_flags(self, assets: Assets, name: str, flags: str) -> Assets:
        if flags == "high":
            return assets.filter(red_flags__gt=0)
        if flags == "none":
            return assets.filter(open_findings=0)
        return assets

    def sort_by(self, assets: Assets, name: str, sort: str) -> Assets:
        return assets.order_by(*ASSET_SORTS.get(sort, ASSET_SORTS["code"]))


class HospitalFilter(ScopedFilterSet):
    """The shared directory, with the counts of the user's own teams' sites (``selectors.hospital_directory``)."""

    q = django_filters.CharFilter(method="search")

    def __init__(self, data: QueryDict, *, user: User | AnonymousUser) -> None:
        super().__init__(data, queryset=selectors.hospital_directory(user=user), user=user)

    def search(self, hospitals: QuerySet[Hospital], name: str, term: str) -> QuerySet[Hospital]:
        """English or Chinese name (typed in traditional or simplified characters), any alias, city or province."""
        simplified = to_simplified(term)
        aliases = HospitalAlias.objects.filter(Q(text__icontains=term) | Q(text__icontains=simplified))
        return hospitals.filter(
            Q(name_en__icontains=term)
            | Q(name_zh__icontains=term)
            | Q(name_zh__icontains=simplified)
            | Q(city__icontains=term)
            | Q(province__icontains=term)
            | Q(pk__in=aliases.values("hospital_id"))
        )

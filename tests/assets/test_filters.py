"""The asset list's and the hospital directory's FilterSets: the team menu is the user's own teams, and every
parameter behaves as the hand-written filters did (an unknown choice matches nothing, an unknown sort or red-flag
value is ignored, a search is cut at 100 characters)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.filters import AssetFilter, HospitalFilter
from teams.models import Membership
from tests.factories import AssetFactory, HospitalFactory, MembershipFactory, StudyFactory

pytestmark = pytest.mark.django_db


def codes(user, query: str) -> list[str]:
    return [asset.code for asset in AssetFilter(QueryDict(query), user=user).results]


@pytest.fixture
def assets(world):
    AssetFactory(team=world.phoenix, code="PHX-A", modality="antibody", highest_phase_us="phase_2")
    StudyFactory(asset=AssetFactory(team=world.phoenix, code="PHX-B"), sponsor_type="industry")
    AssetFactory(team=world.atlas, code="ATL-A", modality="antibody")


def test_the_team_menu_offers_only_the_users_teams(world, assets):
    MembershipFactory(team=world.atlas, user=world.member, role=Membership.Role.PARTNER)
    both = AssetFilter(QueryDict(), user=world.member)
    assert [team.slug for team in both.teams] == ["atlas", "phoenix"]
    assert [option.data["value"] for option in both.form["team"]] == ["", "atlas", "phoenix"]
    assert codes(world.member, "team=atlas") == ["ATL-A"]
    only_atlas = AssetFilter(QueryDict(), user=world.outsider)
    assert [option.data["value"] for option in only_atlas.form["team"]] == ["", "atlas"]


@pytest.mark.parametrize("query", ["team=atlas", "team=no-such-team", "modality=no-such", "phase=no-such",
                                   "sponsor_type=no-such", "team=atlas&modality=antibody"])  # fmt: skip
def test_a_value_that_is_not_a_choice_matches_nothing(world, assets, query):
    filters = AssetFilter(QueryDict(query), user=world.member)
    assert not filters.is_valid()
    assert list(filters.results) == []


def test_filters_narrow_within_the_users_assets(world, assets):
    assert codes(world.member, "") == ["PHX-A", "PHX-B"]
    assert codes(world.member, "modality=antibody") == ["PHX-A"]
    assert codes(world.member, "phase=phase_2") == ["PHX-A"]  # the US phase counts too
    assert codes(world.member, "sponsor_type=industry") == ["PHX-B"]
    assert codes(world.member, "q=atl-a") == []  # another team's code is never found
    assert codes(world.outsider, "q=atl-a") == ["ATL-A"]


def test_an_unknown_sort_or_red_flag_value_is_ignored(world, assets):
    assert codes(world.member, "sort=-code") == ["PHX-B", "PHX-A"]
    assert codes(world.member, "sort=no-such-sort") == ["PHX-A", "PHX-B"]
    assert codes(world.member, "flags=no-such&sort=-code") == ["PHX-B", "PHX-A"]
    assert AssetFilter(QueryDict("sort=x&flags=y"), user=world.member).is_valid()


def test_a_search_is_cut_at_100_characters_not_refused(world, assets):
    long_search = "PHX-A" + "x" * 200
    filters = AssetFilter(QueryDict(f"q={long_search}"), user=world.member)
    assert filters.is_valid() and filters.form["q"].value() == long_search[:100]
    assert list(filters.results) == []


def test_filtering_by_team_costs_no_query_of_its_own(world, assets, client_as):
    client = client_as("member")

    def queries(**params: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("assets:asset_list"), params).status_code == 200
        return len(captured)

    plain = queries()
    assert queries(team="phoenix", modality="antibody", q="PHX", sort="studies") == plain
    assert queries(team="atlas") == plain - 2  # matches nothing: the count and the rows are not even asked for


def test_the_hospital_directory_is_searched_by_name_city_or_province(world):
    HospitalFactory(name_en="Ruijin Hospital", name_zh="瑞金医院", city="Shanghai", province="Shanghai")
    HospitalFactory(name_en="West China Hospital", name_zh="华西医院", city="Chengdu", province="Sichuan")

    def names(query: str) -> list[str]:
        return [h.name_en for h in HospitalFilter(QueryDict(query), user=world.outsider).results]

    assert names("") == ["Ruijin Hospital", "West China Hospital"]
    assert names("q=瑞金") == ["Ruijin Hospital"]
    assert names("q=sichuan") == ["West China Hospital"]
    assert names("q=+chengdu+") == ["West China Hospital"]

"""Row links built from one reversal (``teams.links.id_url``) are exactly what ``reverse()`` gives."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.urls import path, register_converter, reverse

from teams.links import id_url
from tests.urlwalk import iter_routes

IDS = (1, 42, 2_147_483_646, 10**12)


class HexIdConverter:
    """An id written in hex: what ``reverse()`` would give if ids were no longer written as their digits."""

    regex = "[0-9a-f]+"

    def to_python(self, value: str) -> int:
        return int(value, 16)

    def to_url(self, value: int) -> str:
        return f"{value:x}"


register_converter(HexIdConverter, "test_hex_id")
urlpatterns = [path("rows/<test_hex_id:row_id>/", lambda request, row_id: HttpResponse(), name="hex_row")]


def int_id_routes() -> list[str]:
    """Every named route whose only argument is an ``<int:...>`` id: all the routes ``id_url`` may serve."""
    return [
        route.name for route in iter_routes()
        if route.name and len(route.params) == 1 and re.search(r"<int:\w+>", route.pattern)
    ]  # fmt: skip


def test_the_walk_finds_the_routes_the_lists_link_to():
    assert {"diligence:review_item_detail", "diligence:review_item_edit", "diligence:review_detail",
            "diligence:asset_findings", "diligence:memo_detail"} <= set(int_id_routes())  # fmt: skip


@pytest.mark.parametrize("name", int_id_routes())
def test_row_links_built_from_one_reversal_match_reverse(name):
    link = id_url(name)
    for pk in IDS:
        assert link(pk) == reverse(name, args=[pk])


@pytest.mark.urls(__name__)
def test_a_route_that_does_not_write_the_id_as_its_digits_is_refused_loudly():
    with pytest.raises(ImproperlyConfigured, match="does not appear exactly once"):
        id_url("hex_row")

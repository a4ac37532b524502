"""On a phone the numbers come once and readably: charts give way to the tables beside them, small tables of figures
keep their columns, and the checklist's items come before the bulk bar (which appears once an item is selected)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.support import DESKTOP, PHONE, Session

pytestmark = pytest.mark.e2e


def test_on_a_phone_charts_give_way_to_tables_and_the_checklist_items_come_first(browse: Session, world):
    page = browse.page
    browse.login("lead")
    review = world.facts.review
    for path in ("/teams/phoenix/", f"/reviews/{review.pk}/"):
        browse.goto(path)
        expect(page.locator("svg.chart").first).to_be_visible()  # at desktop width, the chart beside its table
        page.set_viewport_size(PHONE)
        page.wait_for_function(f"() => window.innerWidth === {PHONE['width']}")
        expect(page.locator("svg.chart").first).to_be_hidden()
        progress = page.locator("table.keep-columns").last
        expect(progress.locator("thead")).to_be_visible()  # the column headings stay: a table, not a card per row
        expect(progress.get_by_role("columnheader", name="Finished")).to_be_visible()
        browse.phone_screenshot(path.strip("/").replace("/", "-"))
        page.set_viewport_size(DESKTOP)

    page.set_viewport_size(PHONE)
    page.wait_for_function(f"() => window.innerWidth === {PHONE['width']}")
    bulk = page.get_by_role("form", name="Change the selected items")
    expect(bulk).to_be_hidden()
    first_item = page.locator("#items table.items tbody tr").first
    top = first_item.evaluate("row => row.getBoundingClientRect().top + window.scrollY")
    assert top < 1000, f"the first checklist item starts {top:.0f} px down on a phone"
    first_item.get_by_role("checkbox").check()
    expect(bulk).to_be_visible()  # selecting an item brings the bar to act on it

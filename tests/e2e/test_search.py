"""The search box in a real browser: the "/" key, Chinese and registry ids, results that link to where things live,
and an outsider who finds nothing of another team."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from diligence.search.index import search_index_rebuild
from tests import factories as f
from tests.e2e.support import Session

pytestmark = pytest.mark.e2e


def test_a_member_searches_in_chinese_and_by_registry_id_and_an_outsider_finds_nothing(browse: Session, world):
    facts = world.facts
    hospital = facts.site.hospital
    hospital.name_en, hospital.name_zh = "Sun Yat-sen University Cancer Center", "中山大学肿瘤防治中心"
    hospital.save()
    f.AssetFactory(team=world.atlas, code="ATL-101", name="Atlas antibody")
    search_index_rebuild()
    page = browse.page
    browse.login("member")
    browse.goto("/assets/")

    page.keyboard.press("/")  # from anywhere on the page to the header's search box
    box = page.get_by_role("searchbox", name="Search everything you can see")
    expect(box).to_be_focused()
    box.fill("中山")
    box.press("Enter")
    hospitals = page.get_by_role("region", name="Hospitals")
    expect(
        hospitals.get_by_role("link", name="Sun Yat-sen University Cancer Center · 中山大学肿瘤防治中心")
    ).to_be_visible()
    expect(hospitals.locator("mark").first).to_have_text("中山")
    browse.check_accessibility("search results")
    browse.screenshot("search-chinese")
    browse.phone_screenshot("search-chinese")

    field = page.get_by_role("searchbox", name="Search assets, studies")
    field.fill("NCT03090659")  # the page's own box asks as one types
    studies = page.get_by_role("region", name="Studies")
    expect(studies.get_by_role("link")).to_have_count(1)
    studies.get_by_role("link").click()
    expect(page).to_have_url(f"{browse.url('/assets/')}{facts.asset.pk}/?tab=studies")

    browse.logout()
    browse.login("outsider")
    browse.goto("/search/?q=PHX-1")
    expect(page.locator("#search-results")).to_contain_text("Nothing you can see matches “PHX-1”")
    browse.goto("/search/?q=ATL-101")
    expect(page.get_by_role("region", name="Assets")).to_contain_text("ATL-101 · Atlas antibody")

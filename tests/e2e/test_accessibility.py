"""Every main page through axe-core, a checklist item worked with the keyboard alone, and key pages on a phone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from diligence.models import ReviewItem
from diligence.services.checklists import review_start
from diligence.services.memos import memo_submit
from tests import factories as f
from tests.e2e.support import Session

pytestmark = pytest.mark.e2e


def visit(browse: Session, pages: list[tuple[str, str]], *, phone: set[str]) -> None:
    for name, path in pages:
        browse.goto(path)
        browse.check_accessibility(name)
        if name in phone:
            browse.phone_screenshot(name)


def test_main_pages_pass_axe_and_fit_a_phone_screen(browse: Session, world):
    facts = world.facts
    memo_submit(memo=facts.memo, user=world.member)
    asset, page = facts.asset, browse.page

    visit(browse, [("login", "/accounts/login/")], phone={"login"})

    # A member sees every editing control.
    browse.login("member")
    pages = [
        ("dashboard", f"/teams/{world.phoenix.slug}/"),
        ("asset list", "/assets/"),
        ("asset new", "/assets/new/"),
        ("import page", "/studies/import/"),
        ("hospital list", "/hospitals/"),
        ("study registry record", reverse("assets:study_registry", args=[facts.study.pk])),
        ("review page", f"/reviews/{facts.review.pk}/"),  # last: the checks below work on it
    ]
    visit(browse, pages, phone={"dashboard", "asset list", "import page", "review page"})

    row = page.locator(f"#item-{facts.review_item.pk}")
    row.get_by_role("link", name="Edit").click()
    expect(row.get_by_role("button", name="Save")).to_be_visible()
    browse.check_accessibility("review page: item form open")
    row.get_by_role("link", name="Cancel").click()
    page.locator(f"#item-{facts.review_item.pk}").get_by_role("link", name="Details").click()
    expect(page.get_by_role("heading", name="Evidence")).to_be_visible()
    browse.check_accessibility("review page: item details open")

    browse.goto(f"/assets/{asset.pk}/")
    tabs = page.get_by_role("navigation", name="Asset sections")
    labels = tabs.get_by_role("link").all_inner_texts()
    assert {"Overview", "Studies", "Checklist", "Findings & verdict", "Memos"} <= set(labels)
    for label in labels:
        tabs.get_by_role("link", name=label, exact=True).click()
        expect(tabs.locator("[aria-current=page]")).to_have_text(label)
        browse.check_accessibility(f"asset tab: {label}")
        if label in {"Overview", "Findings & verdict", "Memos"}:
            browse.phone_screenshot(f"asset {label}")
    browse.logout()

    # A partner sees the review form on the memo and the queue.
    browse.login("partner")
    pages = [
        ("memo detail", f"/memos/{facts.memo.pk}/"),
        ("notifications", "/notifications/"),
        ("review queue", "/memos/review-queue/"),
    ]
    visit(browse, pages, phone={"memo detail", "review queue"})
    expect(page.locator("tbody tr", has_text=asset.code)).to_have_count(1)


# A date field's last stop is Chromium's own calendar button, inside the field, which the browser rings itself; the
# field is then the active element without matching :focus. Every other stop must show our 2 px ring.
FOCUS_RING = """() => {
    const element = document.activeElement;
    if (element.matches("input[type=date]") && !element.matches(":focus")) return true;
    const style = getComputedStyle(element);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(browse: Session, target, *, limit: int = 60) -> int:
    """Press Tab until the target has the focus; every stop on the way must show a focus ring. Returns the presses."""
    for presses in range(1, limit + 1):
        browse.page.keyboard.press("Tab")
        focused = browse.page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
        assert browse.page.evaluate(FOCUS_RING), f"no visible focus ring on {focused}"
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def test_a_checklist_item_is_worked_with_the_keyboard_alone(browse: Session, world):
    asset = f.AssetFactory(team=world.phoenix, code="PHX-K", name="Phoenix keyboard")
    review = review_start(asset=asset, user=world.member)
    page = browse.page
    browse.login("member")
    browse.goto(f"/reviews/{review.pk}/")

    page.keyboard.press("Tab")  # the first stop skips the navigation
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")

    first_row = page.locator("#items tbody tr").first
    row_id = first_row.get_attribute("id")
    assert row_id is not None
    item = ReviewItem.objects.get(pk=int(row_id.removeprefix("item-")))
    tab_to(browse, first_row.get_by_role("link", name="Edit"))
    page.keyboard.press("Enter")  # the row turns into its form, the focus on its first field
    status = page.locator(f"#item-{item.pk}").get_by_label("Status")
    expect(status).to_be_focused()
    page.keyboard.press("ArrowDown")  # Not started → In progress
    expect(status).to_have_value("in_progress")
    tab_to(browse, page.locator(f"#item-{item.pk}").get_by_role("button", name="Save"), limit=10)
    page.keyboard.press("Enter")

    row = page.locator(f"#item-{item.pk}")
    expect(row.locator(".badge.st-in_progress")).to_have_text("In progress")
    expect(row.get_by_role("link", name="Edit")).to_be_focused()  # back where the keyboard user was
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_the_admin_pages_for_teams_and_people_pass_axe(browse: Session, world):
    from django.contrib.auth.models import Permission

    world.staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="teams"))
    browse.login("admin")
    pages = [
        ("admin: deal teams", "/admin/teams/dealteam/"),
        ("admin: deal team", f"/admin/teams/dealteam/{world.phoenix.pk}/change/"),
        ("admin: new deal team", "/admin/teams/dealteam/add/"),
        ("admin: users", "/admin/teams/user/"),
        ("admin: user", f"/admin/teams/user/{world.member.pk}/change/"),
        ("admin: new user", "/admin/teams/user/add/"),
        ("admin: memberships", "/admin/teams/membership/"),
        ("admin: membership", f"/admin/teams/membership/{world.member.memberships.get().pk}/change/"),
    ]
    visit(browse, pages, phone=set())

"""What the browser tests share: a watched page session, screenshots, and the axe-core log."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, Response, ViewportSize, expect

from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
BASE_DIR = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = BASE_DIR / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_SUMMARY = ARTIFACTS / "axe-summary.json"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}


class AxeLog:
    """axe-core results per page name, for the summary written when the browser tests finish."""

    written: ClassVar[dict[str, Any] | None] = None

    def __init__(self) -> None:
        self.axe = Axe()
        self.pages: dict[str, dict[str, Any]] = {}

    def run(self, page: Page, name: str) -> list[dict[str, Any]]:
        """Run axe-core on the page as it stands; record it; return the serious and critical violations."""
        violations = self.axe.run(page).response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        self.pages[name] = {
            "url": urlsplit(page.url).path,
            "violations": len(violations),
            "serious_or_critical": len(blocking),
            "rules": {v["id"]: v.get("impact") for v in violations},
        }
        return blocking

    def summary(self) -> dict[str, Any]:
        total = sum(p["violations"] for p in self.pages.values())
        blocking = sum(p["serious_or_critical"] for p in self.pages.values())
        return {
            "pages_checked": len(self.pages),
            "violations": total,
            "serious_or_critical": blocking,
            "pages": dict(sorted(self.pages.items())),
        }

    def write(self) -> None:
        AXE_SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        AXE_SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")
        AxeLog.written = summary


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}: {node['html'][:160]}" for node in violation["nodes"][:5]]
    return "\n".join(lines)


@dataclass
class Session:
    """A logged-in (or not) browser tab on the live server that records what went wrong while it browsed."""

    page: Page
    base_url: str
    axe_log: AxeLog
    problems: list[str] = field(default_factory=list)
    expected_errors: set[str] = field(default_factory=set)  # paths the test asked for an error status on purpose

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("response", self._response)

    # --- watching --------------------------------------------------------------------------------------------
    def _own(self, url: str) -> bool:
        return url.startswith(self.base_url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "") if message.location else ""
        if message.text.startswith("Failed to load resource") and self._is_expected(url):
            return
        self.problems.append(f"console error on {urlsplit(self.page.url).path}: {message.text} ({url})")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and self._own(response.url) and not self._is_expected(response.url):
            self.problems.append(f"HTTP {response.status} for {urlsplit(response.url).path}")

    def _is_expected(self, url: str) -> bool:
        return urlsplit(url).path in self.expected_errors

    def assert_no_problems(self) -> None:
        assert not self.problems, "the browser reported problems:\n" + "\n".join(self.problems)

    # --- browsing --------------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def path(self) -> str:
        return urlsplit(self.page.url).path

    def goto(self, path: str, *, status: int = 200) -> Response:
        if status >= 400:
            self.expected_errors.add(urlsplit(path).path)
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, f"GET {path}: {response and response.status}"
        return response

    def login(self, username: str, password: str = TEST_PASSWORD) -> None:
        """Through the real login form, as a person would."""
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("button", name="Log out")).to_be_visible()

    def logout(self) -> None:
        self.page.get_by_role("button", name="Log out").click()
        expect(self.page.get_by_role("heading", name="Log in")).to_be_visible()

    def wait_for_htmx(self) -> None:
        """Until no htmx request is in flight (htmx marks the requesting element while one is)."""
        self.page.wait_for_function("() => !document.querySelector('.htmx-request')")

    # --- evidence of what was seen ----------------------------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{slug(name)}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def phone_screenshot(self, name: str) -> None:
        """The page at a 390 px phone width: screenshot it and check nothing makes the page itself scroll sideways
        (wide tables scroll inside their own box)."""
        self.page.set_viewport_size(PHONE)
        try:
            self.page.wait_for_function(f"() => window.innerWidth === {PHONE['width']}")
            self.screenshot(f"phone-{name}")
            overflow = self.page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow == 0, f"{name}: the page is {overflow} px wider than a {PHONE['width']} px phone screen"
            # Stacked table cells carry their column's heading, as the hidden header row would have said.
            unlabelled = self.page.evaluate(
                """() => Array.from(document.querySelectorAll('table.table')).filter(t => t.tHead).flatMap(t =>
                    Array.from(t.tBodies[0]?.rows || []).flatMap(r => Array.from(r.cells)))
                    .filter(c => c.colSpan === 1 && !c.dataset.label && c.textContent.trim()).length"""
            )
            assert unlabelled == 0, f"{name}: {unlabelled} table cells have no column label on a phone"
        finally:
            self.page.set_viewport_size(DESKTOP)

    def check_accessibility(self, name: str) -> None:
        """axe-core on the page as it stands: no serious or critical violation."""
        blocking = self.axe_log.run(self.page, name)
        assert not blocking, f"axe-core on {name} ({self.path()}):\n{describe(blocking)}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

"""Browser tests: Debian's Chromium, headless, driven by pytest-playwright against Django's live server.

No browser is ever downloaded: the launch points at the system Chromium. Without it the tests fail, saying how to
install it (`make test` checks for it before the suite starts).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright

from tests.e2e.support import CHROMIUM, DESKTOP, AxeLog, Session

# Playwright's sync API keeps an asyncio loop marked as running in the main thread while it is started, and Django
# refuses ORM calls from such a thread. The ORM calls these tests make between browser steps are ordinary blocking
# calls (no coroutine of Playwright's runs while they do), so the check is switched off. Set at import, before
# Django first looks; the tests that run after this package are unaffected (they run no event loop).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


# Playwright lives for this package only (pytest-playwright starts it once per session): when the browser tests are
# done its event loop is stopped, so the tests that run after them see a plain synchronous thread again.
@pytest.fixture(scope="package")
def playwright() -> Generator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright) -> BrowserType:
    return playwright.chromium


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args: dict[str, Any], browser_type: BrowserType) -> Callable[..., Browser]:
    return lambda **kwargs: browser_type.launch(**{**browser_type_launch_args, **kwargs})


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[..., Browser]) -> Generator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": DESKTOP, "locale": "en-GB", "timezone_id": "Asia/Shanghai", "accept_downloads": True}


@pytest.fixture(scope="package")
def axe_log() -> Generator[AxeLog]:
    log = AxeLog()
    yield log
    if log.pages:
        log.write()


@pytest.fixture
def browse(page: Page, live_server, axe_log: AxeLog) -> Generator[Session]:
    """The page, on the live server, watched: a console error, a CSP violation or a failed request of the page's own
    fails the test unless the test said it expects that status."""
    page.set_default_timeout(15_000)
    session = Session(page=page, base_url=live_server.url, axe_log=axe_log)
    yield session
    session.assert_no_problems()

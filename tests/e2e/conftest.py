"""Browser tests: Debian's Chromium driven by Playwright against all-in-one JES."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from support import flows
from support.accessibility import Accessibility
from support.allinone import running_all_in_one
from support.keycloak import sso_providers
from support.processes import ROOT

SCREENSHOTS = ROOT / "test-results" / "screenshots"
# Chromium flags for a closed network (no update or sync calls) and a root user (no sandbox).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    """A fresh installation per test module. One installation for the whole suite saw every
    browser and API login of every module as one client (127.0.0.1) and, rightly,
    refused logins once the per-client budget (20 in 5 minutes) was spent."""
    with running_all_in_one(tmp_path_factory.mktemp("jes-e2e")) as platform:
        yield platform


@pytest.fixture(scope="module")
def sso_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    """Like `platform`, signing judges and prosecutors in through this checkout's real
    Keycloak (started for the module if it is not up)."""
    with (
        sso_providers() as settings,
        running_all_in_one(tmp_path_factory.mktemp("jes-e2e-sso"), settings=settings) as platform,
    ):
        yield platform


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: run `make system-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What a page's console says went wrong: Content-Security-Policy violations (the
    policy allows scripts and styles from the site's files only) and uncaught script errors."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"uncaught: {error}"))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.found.append(f"{message.type}: {message.text}")

    def assert_none(self) -> None:
        assert self.found == [], "\n".join(self.found)


@pytest.fixture
def page_problems() -> Iterator[PageProblems]:
    problems = PageProblems()
    yield problems
    problems.assert_none()


@pytest.fixture
def accessibility() -> Iterator[Accessibility]:
    checker = Accessibility()
    yield checker
    checker.assert_none()


@pytest.fixture
def page(browser: Browser, page_problems: PageProblems) -> Iterator[Page]:
    context = browser.new_context(locale="zh-TW", viewport={"width": 390, "height": 844})
    page = page_problems.watch(context.new_page())
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Page, accessibility: Accessibility) -> Callable[[str], Path]:
    """Saves what the user sees under test-results/screenshots/ for a person to look at,
    and runs axe-core on it (each screenshot is a page state worth checking)."""

    def take(name: str) -> Path:
        accessibility.check(page, name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def new_page(
    browser: Browser, page_problems: PageProblems
) -> Iterator[Callable[[dict[str, int]], Page]]:
    """Pages in browser contexts of their own (one per user: own cookies, own screen
    size), closed after the test."""
    contexts: list[BrowserContext] = []

    def open_page(viewport: dict[str, int]) -> Page:
        context = browser.new_context(locale="zh-TW", viewport=viewport)
        contexts.append(context)
        return page_problems.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


LOAD_LAZY_IMAGES = """async () => {
  const images = Array.from(document.images);
  for (const image of images) image.loading = "eager";
  await Promise.all(images.map((image) => image.complete ? null : new Promise((done) => {
    image.addEventListener("load", done, { once: true });
    image.addEventListener("error", done, { once: true });
  })));
}"""


@pytest.fixture
def screenshot_of(accessibility: Accessibility) -> Callable[[Page, str], Path]:
    """Like `screenshot`, for any page (e.g. one from `new_page`). Images the page loads
    lazily are loaded first: a full-page shot does not scroll, so they would stay blank."""

    def take(page: Page, name: str) -> Path:
        page.evaluate(LOAD_LAZY_IMAGES)
        accessibility.check(page, name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take

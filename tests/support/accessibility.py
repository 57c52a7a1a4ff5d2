"""axe-core accessibility checks for the browser tests (tests/e2e)."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# axe-core's default rules (WCAG 2.x A/AA and best practices), every impact from minor
# to critical; no rule is switched off.
AXE_OPTIONS = {"resultTypes": ["violations"]}


class Accessibility:
    """axe-core (bundled by axe-playwright-python) run on each page state a test visits.
    Violations are collected with the state's name and reported together when the test
    ends, so one run shows every page's problems. axe is injected with page.evaluate
    (DevTools protocol evaluation, not a <script> tag, so the gateway's CSP does not block
    it; PageProblems would report it if it did)."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.found: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Page, name: str) -> list[str]:
        results = self.axe.run(page, options=AXE_OPTIONS)
        found = [
            f"{name} ({page.url}): {violation['id']} [{violation['impact']}] "
            f"{violation['help']} -> {targets(violation)}"
            for violation in results.response["violations"]
        ]
        self.checked.append(name)
        self.found.extend(found)
        return found

    def assert_none(self) -> None:
        assert self.found == [], "axe-core violations:\n" + "\n".join(self.found)


def targets(violation: dict[str, Any]) -> str:
    """The CSS selectors of the elements that broke the rule."""
    return ", ".join(str(node["target"]) for node in violation["nodes"])

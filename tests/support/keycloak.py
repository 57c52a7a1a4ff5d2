"""The OpenID providers for the single sign-on tests: this checkout's Keycloak and its
directory of test judges (deploy/local/keycloak.sh, directory.sh), as infra.sh runs them.

Inside `infra.sh run` (the integration tests) they are up already and their settings
are in the environment; elsewhere (all-in-one, browser tests) the fixture starts them
and stops them again at the end, so no test needs a hand-started server."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "deploy" / "local" / "infra.sh"
SSO_PARTS = ("directory", "keycloak")
# test users (deploy/local/directory/judges.ldif and deploy/local/keycloak/moj-realm.json)
JUDGE_WANG = ("judge.wang", "Judge-Wang-2026")  # 王大明, 臺灣臺北地方法院
JUDGE_CHOU = ("judge.chou", "Judge-Chou-2026")  # no court in the directory
PROSECUTOR_CHEN = ("prosecutor.chen", "Prosecutor-Chen-2026")  # 陳建國, TPS-0427
STAFF_LEE = ("staff.lee", "Staff-Lee-2026")  # the single window's, not a prosecutor


def _infra(*args: str, timeout: float = 60) -> str:
    done = subprocess.run(
        ["bash", str(INFRA), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"infra.sh {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _exports(text: str) -> dict[str, str]:
    settings = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            name, _, value = line[len("export ") :].partition("=")
            settings[name] = shlex.split(value)[0] if value else ""
    return settings


def _answers(keycloak_url: str) -> bool:
    try:
        url = f"{keycloak_url}/realms/courts/.well-known/openid-configuration"
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def sso_providers() -> Iterator[dict[str, str]]:
    """The identity settings (JES_SSO_*) of the running providers; starts them if needed."""
    settings = {k: v for k, v in os.environ.items() if k.startswith(("JES_SSO_", "JES_KEYCLOAK"))}
    if not settings:
        settings = {
            k: v
            for k, v in _exports(_infra("env")).items()
            if k.startswith(("JES_SSO_", "JES_KEYCLOAK"))
        }
    started = not _answers(settings["JES_KEYCLOAK_URL"])
    if started:
        _infra("up-only", *SSO_PARTS, timeout=1200)
    try:
        yield settings
    finally:
        if started:
            _infra("down", *reversed(SSO_PARTS), timeout=120)


def fill_keycloak_login(page: Page, username: str, password: str) -> None:
    """The provider's own login form in the browser (Keycloak's page, not JES's)."""
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#kc-login").click()

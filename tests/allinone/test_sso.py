"""Journeys 7 and 8 in all-in-one mode against a real Keycloak (deploy/local/keycloak.sh:
the courts realm federating the slapd directory of test judges, and the ministry's
single window): judges' first and later visits, prosecutors, and the refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import flows
from support.allinone import running_all_in_one
from support.keycloak import JUDGE_CHOU, JUDGE_WANG, PROSECUTOR_CHEN, STAFF_LEE, sso_providers
from support.sso_browser import LoopbackBrowser
from support.sso_journeys import begin, callback_of, finish, give_email, log_out, visit


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    with (
        sso_providers() as settings,
        running_all_in_one(tmp_path_factory.mktemp("jes-sso"), env=settings) as platform,
    ):
        yield platform


def test_a_judges_first_visit_creates_the_account_and_asks_for_an_e_mail(platform):
    first = visit(platform.base_url, "courts", *JUDGE_WANG)
    assert first.path == "/account/sign-in-email"
    assert "王大明" in first.text and "judge.wang" in first.text
    assert "臺灣臺北地方法院" in first.text
    assert "已為您建立帳號" in first.text

    done = give_email(platform.base_url, first.browser, "Judge.Wang@courts.test")
    assert done.is_redirect
    log_out(platform.base_url, first.browser)

    # later visits go straight in: Keycloak's own session lets the browser through, and
    # the gateway no longer asks for anything
    later = visit(platform.base_url, "courts", *JUDGE_WANG, browser=first.browser)
    assert later.status == 200 and later.path == "/"
    page = later.browser.request("GET", f"{platform.base_url}/account/sign-in-email")
    assert 'value="judge.wang@courts.test"' in page.text  # the same account

    # from another browser (no session at Keycloak): the form again, the same account
    elsewhere = visit(platform.base_url, "courts", *JUDGE_WANG)
    assert elsewhere.path == "/"


def test_a_prosecutor_signs_in_through_the_single_window(platform):
    signed_in = visit(platform.base_url, "moj", *PROSECUTOR_CHEN)
    assert signed_in.path == "/account/sign-in-email"
    assert "陳建國" in signed_in.text and "TPS-0427" in signed_in.text
    assert "檢察官" in signed_in.text


@pytest.mark.parametrize(
    ("provider", "user", "reason"),
    [
        ("courts", JUDGE_CHOU, "目錄中沒有您的所屬法院"),
        ("moj", STAFF_LEE, "單一登入窗口未將您登錄為檢察官"),
    ],
)
def test_people_the_rules_refuse_get_no_account(platform, provider, user, reason):
    refused = visit(platform.base_url, provider, *user)
    assert refused.status == 409 and refused.path == ""  # FAILED_PRECONDITION
    assert reason in refused.text
    page = refused.browser.request("GET", f"{platform.base_url}/account/sign-in-email")
    assert page.is_redirect and "/login" in page.headers["Location"]  # not signed in


def test_a_callback_brought_to_another_browser_is_refused(platform):
    # the attacker logs in at the provider and hands the callback to the victim's browser
    attacker, page = begin(platform.base_url, "courts")
    callback_url = callback_of(platform.base_url, page, *JUDGE_WANG, attacker)
    victim = LoopbackBrowser()
    victim.request("GET", f"{platform.base_url}/login")
    refused = finish(platform.base_url, victim, callback_url)
    assert refused.status == 401 and "登入流程不符" in refused.text
    page = victim.request("GET", f"{platform.base_url}/account/sign-in-email")
    assert page.is_redirect and "/login" in page.headers["Location"]  # not signed in
    # the refusal spent nothing: the browser that started the sign-in still finishes it
    assert finish(platform.base_url, attacker, callback_url).status == 200

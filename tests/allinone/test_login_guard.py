"""Brute force without victim lockout, through the gateway in all-in-one mode (issue 10,
journey 2); the journeys are in support/login_guard_journeys.py, shared with distributed
mode: thirty wrong passwords from one client do not stop the real user on the browser
they logged in with before, on the page and through the API; the captcha the rules ask
for; the owner is mailed about the new device; 會員專區 shows them."""

from __future__ import annotations

from support import flows
from support.allinone import DEMO_PASSWORD
from support.login_guard_journeys import (
    captcha_the_rules_ask_for_is_shown_and_accepted,
    owner_is_mailed_about_a_login_from_a_new_browser,
    thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser,
)


def test_the_captcha_the_rules_ask_for_is_shown_and_accepted(platform: flows.Platform):
    captcha_the_rules_ask_for_is_shown_and_accepted(platform, "KLDCLERK", DEMO_PASSWORD)


def test_the_owner_is_mailed_about_a_login_from_a_new_browser(platform: flows.Platform):
    owner_is_mailed_about_a_login_from_a_new_browser(
        platform, "KSDCLERK", DEMO_PASSWORD, "clerk.ksd@jes.example"
    )


# Last: the attacker spends the client's whole login budget at the gateway.
def test_thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser(
    platform: flows.Platform,
):
    thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser(
        platform, "DEMOFIRM", DEMO_PASSWORD
    )

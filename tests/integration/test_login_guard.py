"""Brute force without victim lockout in distributed mode (issue 10, journey 2): the
gateway and identity in their own processes, the login records in identity's
PostgreSQL, the owner's mails through Kafka, notification and the SMTP sink. What the
user sees (support/login_guard_journeys), and what identity stored."""

from __future__ import annotations

import pytest

from support import flows
from support.distributed import Distributed, pg_url, rows
from support.login_guard_journeys import (
    captcha_the_rules_ask_for_is_shown_and_accepted,
    owner_is_mailed_about_a_login_from_a_new_browser,
    thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser,
)

PASSWORD = "Guarded-Login-2026!"
ACCOUNTS = {  # account id: e-mail (new each run: the SMTP sink keeps earlier runs' mail)
    "ITGUARDOWNER": flows.unique_email("guard.owner"),
    "ITGUARDCAPTCHA": flows.unique_email("guard.captcha"),
    "ITGUARDDEVICE": flows.unique_email("guard.device"),
}


@pytest.fixture(scope="module", autouse=True)
def guarded_accounts(distributed: Distributed) -> None:
    from jes_db import Database
    from jes_identity.app import ensure_account

    db = Database(pg_url(distributed.infra, "identity"))
    for account_id, email in ACCOUNTS.items():
        ensure_account(
            db,
            account_id=account_id,
            password=PASSWORD,
            display_name="整合測試登入保護",
            email=email,
            roles=["firm" if account_id == "ITGUARDOWNER" else "clerk"],  # a firm sees 鑑價照片
            court_code="TPD",
        )
    db.dispose()


def records(distributed: Distributed, account_id: str) -> list[tuple[bool, bool, str]]:
    """(success, refused before the password was checked, client address) per attempt."""
    found = rows(
        distributed.infra,
        "identity",
        "SELECT success, refused, client_address FROM login_records WHERE account_id = :a"
        " ORDER BY at",
        a=account_id,
    )
    return [tuple(r) for r in found]


def test_the_captcha_the_rules_ask_for_is_shown_and_accepted(distributed: Distributed):
    captcha_the_rules_ask_for_is_shown_and_accepted(
        distributed.platform(), "ITGUARDCAPTCHA", PASSWORD
    )
    attempts = records(distributed, "ITGUARDCAPTCHA")
    assert attempts[:3] == [(False, False, "127.0.0.1")] * 3
    assert attempts[-1] == (True, False, "127.0.0.1")


def test_the_owner_is_mailed_about_a_login_from_a_new_browser(distributed: Distributed):
    owner_is_mailed_about_a_login_from_a_new_browser(
        distributed.platform(), "ITGUARDDEVICE", PASSWORD, ACCOUNTS["ITGUARDDEVICE"]
    )
    devices = rows(
        distributed.infra,
        "identity",
        "SELECT d.token_hash FROM trusted_devices d JOIN accounts a ON a.id = d.account_id"
        " WHERE a.account_id = :a",
        a="ITGUARDDEVICE",
    )
    assert len(devices) == 2 and all(len(d.token_hash) == 64 for d in devices)  # hashes only


def test_thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser(
    distributed: Distributed,
):
    thirty_wrong_passwords_do_not_stop_the_owner_on_their_known_browser(
        distributed.platform(), "ITGUARDOWNER", PASSWORD
    )
    attempts = records(distributed, "ITGUARDOWNER")
    assert attempts[0] == (True, False, "127.0.0.1") and attempts[-1] == (True, False, "127.0.0.1")
    failures = [a for a in attempts[1:-1] if not a[0]]
    assert len(failures) >= 10 and all(address == "127.0.0.1" for *_, address in failures)
    status = rows(
        distributed.infra,
        "identity",
        "SELECT status FROM accounts WHERE account_id = :a",
        a="ITGUARDOWNER",
    )
    assert [s.status for s in status] == ["active"]  # never locked

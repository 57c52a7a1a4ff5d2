"""Journey 10 (issue 10) in all-in-one mode: a new e-mail address is used only after the
code mailed to it is entered, and the old address is told; the same through the API."""

from __future__ import annotations

import re

from support import flows, journey
from support.allinone import DEMO_PASSWORD
from support.web import WebClient

CODE = re.compile(r"^    (\d{6})$", re.MULTILINE)


def mailed_code(platform: flows.Platform, address: str, count: int = 1) -> str:
    mails = [m for m in platform.wait_for_mail(address, count=count) if "認證碼" in m["subject"]]
    found = CODE.search(mails[-1]["body"])
    assert found, mails[-1]["body"]
    return found.group(1)


def test_the_profile_page_changes_the_address_after_its_code(platform: flows.Platform):
    account_id, password, old_email = journey.firm_is_activated(
        platform, ("TPDCLERK", DEMO_PASSWORD)
    )
    new_email = flows.unique_email("new")
    web = WebClient(platform.base_url)
    assert web.login(account_id, password).status_code == 302
    web.get("/account")
    saved = web.post(
        "/account",
        {
            "display_name": "信義不動產估價師事務所",
            "email": new_email,
            "phone": "02-2700-1234",
            "contact_person": "林小姐",
        },
    )
    assert saved.status_code == 200
    assert f"新的電子郵件 <strong>{new_email}</strong> 尚未啟用" in saved.text
    assert f'value="{old_email}"' in saved.text  # still the address in use
    code = mailed_code(platform, new_email)

    wrong = web.post("/account/email/confirm", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 400 and "認證碼不正確，還可再試 4 次" in wrong.text
    done = web.post("/account/email/confirm", {"code": code})
    assert done.status_code == 200 and f"電子郵件已變更為 {new_email}" in done.text
    assert f'value="{new_email}"' in done.text

    told = [m for m in platform.wait_for_mail(old_email, count=3) if "已變更" in m["subject"]]
    assert told and account_id in told[0]["body"]
    assert new_email not in told[0]["body"]  # masked: n****@example.com


def test_the_api_changes_the_address_after_its_code(platform: flows.Platform):
    account_id, password, old_email = journey.firm_is_activated(
        platform, ("TPDCLERK", DEMO_PASSWORD)
    )
    token = platform.login(account_id, password)
    new_email = flows.unique_email("api-new")
    sent = platform.api("POST", "/api/v1/account/email-change", token, json={"email": new_email})
    assert sent.status_code == 202, sent.text
    assert sent.json()["email"] == new_email
    account = platform.api("GET", "/api/v1/account", token).json()
    assert (account["email"], account["pending_email"]) == (old_email, new_email)
    code = mailed_code(platform, new_email)
    bad = platform.api("POST", "/api/v1/account/email-change/confirm", token, json={"code": "12"})
    assert bad.status_code == 400 and "code" in bad.json()["fields"]
    confirmed = platform.api(
        "POST", "/api/v1/account/email-change/confirm", token, json={"code": code}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["email"], confirmed.json()["pending_email"]) == (new_email, "")

"""Journey 9 (issue 10), the same in both run modes: 帳號綁定 of a portal account and a
case-progress account, proven by the other's password on the page or by its mailed code
through the API; unbind."""

from __future__ import annotations

import re

from support import flows, journey
from support.web import WebClient

CODE = re.compile(r"^    (\d{6})$", re.MULTILINE)


def bind_on_the_page_with_the_other_password_and_unbind(
    platform: flows.Platform, clerk: tuple[str, str], progress: tuple[str, str, str]
) -> str:
    """A firm binds the case-progress account `progress` (id, password, name) on the page,
    proving it with that account's password; the progress account unbinds. The firm's
    account id."""
    progress_id, progress_password, progress_name = progress
    account_id, password, _ = journey.firm_is_activated(platform, clerk)
    web = WebClient(platform.base_url)
    assert web.login(account_id, password).status_code == 302
    page = web.get("/account/binding")
    assert page.status_code == 200 and "綁定案件進度查詢帳號" in page.text
    wrong = web.post(
        "/account/binding", {"account_id": progress_id.lower(), "password": "Wrong1!x"}
    )
    assert wrong.status_code == 400 and "密碼不正確" in wrong.text
    unknown = web.post("/account/binding", {"account_id": "NOSUCH1", "password": "x"})
    assert unknown.status_code == 404 and "查無可綁定的帳號" in unknown.text
    bound = web.post("/account/binding", {"account_id": progress_id, "password": progress_password})
    assert bound.status_code == 200 and f"已綁定 {account_id} 與 {progress_id}" in bound.text
    assert f"{progress_name}（{progress_id}）" in bound.text and "解除綁定" in bound.text

    progress = WebClient(platform.base_url)
    assert progress.login(progress_id, progress_password).status_code == 302
    assert f"（{account_id}）" in progress.get("/account/binding").text
    unbound = progress.post("/account/binding/unbind", {"account_id": account_id})
    assert unbound.status_code == 200 and f"已解除與 {account_id} 的綁定" in unbound.text
    assert "綁定入口網帳號" in unbound.text
    return account_id


def bind_through_the_api_with_the_mailed_code(
    platform: flows.Platform, clerk: tuple[str, str], progress: tuple[str, str]
) -> str:
    """The progress account binds a firm's account with the code mailed to the firm, then
    unbinds it. The firm's account id."""
    progress_id, progress_password = progress
    account_id, _, firm_email = journey.firm_is_activated(platform, clerk)
    token = platform.login(progress_id, progress_password)
    sent = platform.api(
        "POST", "/api/v1/account/bindings/code", token, json={"account_id": account_id}
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["email"].endswith("****@example.com")
    mails = [m for m in platform.wait_for_mail(firm_email, count=3) if "認證碼" in m["subject"]]
    code = CODE.search(mails[-1]["body"]).group(1)
    assert "帳號綁定" in mails[-1]["body"]
    bound = platform.api(
        "POST", "/api/v1/account/bindings", token, json={"account_id": account_id, "code": code}
    )
    assert bound.status_code == 201, bound.text
    assert (bound.json()["portal_account_id"], bound.json()["progress_account_id"]) == (
        account_id,
        progress_id,
    )
    listed = platform.api("GET", "/api/v1/account/bindings", token).json()["bindings"]
    assert [b["portal_account_id"] for b in listed] == [account_id]
    assert (
        platform.api("DELETE", f"/api/v1/account/bindings/{account_id}", token).status_code == 200
    )
    assert platform.api("GET", "/api/v1/account/bindings", token).json()["bindings"] == []
    again = platform.api("DELETE", f"/api/v1/account/bindings/{account_id}", token)
    assert again.status_code == 404
    return account_id

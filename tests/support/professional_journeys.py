"""Journey 6, professional registration, over HTTP and the same in both run modes: a
lawyer applies on the web form, prints the application form (report-render), an
administrator approves on the queue, the activation mail's link sets the password, the
lawyer logs in. A second application is refused with a reason; duplicates and bad input
are refused in zh-TW and change nothing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from support import flows
from support.journey import SET_PASSWORD_LINK, ok
from support.web import WebClient

NEW_PASSWORD = "Lawyer2026!ok"
APPLICATION_NUMBER = re.compile(r'name="application_id" value="([0-9a-f-]{36})"')


def lawyer_form(email: str, **changes: str) -> dict[str, str]:
    form = {
        "kind": "lawyer",
        "account_id": "LAWCHEN01",
        "name": "陳美玲",
        "gender": "female",
        "national_id": "A223456781",
        "birth_date": "61/12/18",
        "licence_number": "(95)台檢證字第1234號",
        "association": "台北律師公會",
        "address": "臺北市中正區重慶南路一段124號",
        "phone": "02-2361-8577",
        "email": email,
    }
    form.update(changes)
    return form


def queue(platform: flows.Platform, token: str, status: str = "all") -> list[dict]:
    reply = ok(platform.api("GET", f"/api/v1/professional-applications?status={status}", token))
    return list(reply["applications"])


def lawyer_registers_is_approved_activates_and_logs_in(
    platform: flows.Platform, admin_account: tuple[str, str], folder: Path
) -> str:
    """The whole journey; the application's id."""
    email = flows.unique_email("lawyer")
    browser = WebClient(platform.base_url)
    assert "律師註冊" in browser.get("/").text
    browser.get("/register/professional?kind=lawyer")
    # a wrong national ID: the page says so beside the field, and nothing is stored
    wrong = browser.post("/register/professional", lawyer_form(email, national_id="A123456788"))
    assert wrong.status_code == 400
    assert 'id="e-national_id">身分證字號檢查碼錯誤，請確認是否輸入正確</span>' in wrong.text
    admin = platform.login(*admin_account)
    assert queue(platform, admin) == []

    submitted = browser.post("/register/professional", lawyer_form(email))
    assert submitted.status_code == 201, submitted.text
    [application_id] = APPLICATION_NUMBER.findall(submitted.text)
    acknowledgement = platform.wait_for_mail(email)[0]
    assert acknowledgement["subject"] == "【司法院】律師帳號聲請已受理"
    assert application_id in acknowledgement["body"]

    # the printable form, rendered by report-render: its text is the zh-TW written
    pdf = browser.post(
        "/register/professional/form.pdf",
        {"application_id": application_id, "national_id": "A223456781"},
    )
    assert pdf.status_code == 200, pdf.text[:500]
    assert pdf.headers["Content-Type"] == "application/pdf"
    path = folder / "form.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for written in ("司法院電子化服務聲請單", "陳美玲", "台北律師公會", application_id):
        assert written in text
    assert "民國 61年 12月18日" in text

    # the same national ID, licence or account id again: refused, nothing added
    again = platform.api(
        "POST", "/api/v1/professional-applications", json=lawyer_form(flows.unique_email("x"))
    )
    assert again.status_code == 409
    assert again.json()["fields"] == {
        "national_id": "此身分證字號已有聲請案或帳號（一人限申請一個帳號）",
        "licence_number": "此證書字號已有聲請案",
        "account_id": "此帳號已有人使用，請換一個",
    }
    [waiting] = queue(platform, admin, "submitted")
    assert waiting["id"] == application_id

    # the administrator approves on the queue page
    desk = WebClient(platform.base_url)
    assert desk.login(*admin_account).status_code == 302
    assert "陳美玲（律師）" in desk.get("/admin/professionals").text
    decided = desk.post(
        f"/admin/professionals/{application_id}/decision",
        {"decision": "approve"},
        allow_redirects=False,
    )
    assert decided.status_code == 302
    [approved] = queue(platform, admin)
    assert (approved["status"], approved["decided_by"]) == ("approved", admin_account[0])

    # the activation mail's one-time link sets the password, which activates the account
    mails = platform.wait_for_mail(email, count=2)
    activation = next(m for m in mails if "已核准" in m["subject"])
    assert "帳號：LAWCHEN01" in activation["body"]
    token = SET_PASSWORD_LINK.search(activation["body"])
    assert token, activation["body"]
    ok(
        platform.api(
            "POST",
            "/api/v1/password/set",
            json={"token": token.group(1), "new_password": NEW_PASSWORD},
        )
    )
    lawyer = platform.login("LAWCHEN01", NEW_PASSWORD)
    me = ok(platform.api("GET", "/api/v1/account", lawyer))
    assert me["account_id"] == "LAWCHEN01"
    [activated] = queue(platform, admin)
    assert activated["status"] == "activated"
    assert activated["activated_at"]
    looked_up = ok(
        platform.api(
            "POST",
            "/api/v1/professional-applications/lookup",
            json={"application_id": application_id, "national_id": "a223456781"},
        )
    )
    assert looked_up["status_label"] == "已啟用"
    return application_id


def refusal_is_mailed_with_its_reason_and_creates_no_account(
    platform: flows.Platform, admin_account: tuple[str, str]
) -> str:
    """A refusal needs a reason, is mailed with it and ends the application; the
    application's id."""
    email = flows.unique_email("agent")
    form = lawyer_form(
        email,
        kind="patent_agent",
        account_id="AGENTLIN",
        name="林代理人",
        national_id="B123456780",
        licence_number="台專代字第0099號",
        association="",
    )
    created = ok(platform.api("POST", "/api/v1/professional-applications", json=form), 201)
    application_id = created["id"]
    admin = platform.login(*admin_account)
    path = f"/api/v1/professional-applications/{application_id}/decision"
    no_reason = platform.api("POST", path, admin, json={"approve": False, "reason": " "})
    assert no_reason.status_code == 400
    assert no_reason.json()["fields"] == {"reason": "請填寫駁回理由"}
    refused = ok(
        platform.api("POST", path, admin, json={"approve": False, "reason": "證書影本不清楚"})
    )
    assert refused["status"] == "refused"
    mail = next(m for m in platform.wait_for_mail(email, count=2) if "未通過" in m["subject"])
    assert "未通過理由：證書影本不清楚" in mail["body"]
    approve_now = platform.api("POST", path, admin, json={"approve": True})
    assert approve_now.status_code == 409
    login = platform.api(
        "POST", "/api/v1/sessions", json={"account_id": "AGENTLIN", "password": NEW_PASSWORD}
    )
    assert login.status_code in (400, 401)
    # refused: the same person may apply again
    ok(platform.api("POST", "/api/v1/professional-applications", json=form), 201)
    return application_id

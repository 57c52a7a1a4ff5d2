"""Account journeys through the web pages, in all-in-one mode: a firm applies, the court
activates it, the firm sets its password from the mailed link and logs in; refusal;
forgot password and forgot account id; personal account maintenance."""

from __future__ import annotations

import re

import requests

from support import flows
from support.allinone import DEMO_PASSWORD
from support.processes import wait_until
from support.web import WebClient

NEW_PASSWORD = "Firm2024!okay-go"
SET_PASSWORD_LINK = re.compile(r"https?://\S+(/password/set\?token=\S+)")
ACCOUNT_ID_LINE = re.compile(r"帳號：(\w+)")


def apply(platform: flows.Platform, company: str, court_code: str = "TPD") -> str:
    email = flows.unique_email("firm")
    reply = platform.api(
        "POST",
        "/api/v1/firm-applications",
        json={
            "court_code": court_code,
            "company_name": company,
            "contact_person": "王大明",
            "email": email,
            "phone": "02-2345-6789",
        },
    )
    assert reply.status_code == 201, reply.text
    return email


def clerk(platform: flows.Platform, account_id: str) -> WebClient:
    web = WebClient(platform.base_url)
    assert web.login(account_id, DEMO_PASSWORD).status_code == 302
    return web


def application_id(page: str, company: str) -> str:
    """The id in the decision form of `company`'s card on /court/applications."""
    card = page[page.index(f"<h3>{company}</h3>") :]
    found = re.search(r"/court/applications/([^/]+)/decision", card)
    assert found, "no decision form for " + company
    return found.group(1)


def mail_with(platform: flows.Platform, email: str, subject_part: str) -> dict:
    platform.wait_for_mail(email, count=1)
    wait_until(
        lambda: any(subject_part in m["subject"] for m in platform.mails_to(email)),
        timeout=60,
        what=f"mail '{subject_part}' to {email}",
    )
    return next(m for m in platform.mails_to(email) if subject_part in m["subject"])


def set_password_path(mail: dict) -> str:
    found = SET_PASSWORD_LINK.search(mail["body"])
    assert found, mail["body"]
    return found.group(1)


def test_activation_set_password_login_and_a_used_link(platform: flows.Platform):
    company = "大華不動產估價師事務所 甲"
    email = apply(platform, company)

    tpd = clerk(platform, "TPDCLERK")
    page = tpd.get("/court/applications").text
    assert company in page and email in page
    kld = clerk(platform, "KLDCLERK")
    assert company not in kld.get("/court/applications").text

    tpd.get("/court/applications")
    decided = tpd.post(
        f"/court/applications/{application_id(page, company)}/decision",
        {"decision": "activate"},
        allow_redirects=False,
    )
    assert decided.status_code == 302
    after = tpd.get("/court/applications").text
    account_id = re.search(r"已開通帳號 (\w+)", after).group(1)
    assert "待審核的申請" in after and f"<h3>{company}</h3>" not in after  # no longer pending

    mail = mail_with(platform, email, "帳號已啟用")
    assert ACCOUNT_ID_LINE.search(mail["body"]).group(1) == account_id
    link = set_password_path(mail)
    assert "密碼：" not in mail["body"]  # a link, never a password

    firm = WebClient(platform.base_url)
    form_page = firm.get(link)
    assert form_page.status_code == 200 and "設定密碼" in form_page.text
    token = re.search(r'name="token" value="([^"]+)"', form_page.text).group(1)
    weak = firm.post(
        "/password/set",
        {"token": token, "new_password": "short", "confirm_password": "short"},
    )
    assert weak.status_code == 400 and "密碼" in weak.text
    done = firm.post(
        "/password/set",
        {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        allow_redirects=False,
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert "密碼已設定完成" in firm.get("/login").text

    logged_in = firm.login(account_id, NEW_PASSWORD, court_code="TPD")
    # lands on 會員專区, which links the firm's photo pages
    assert logged_in.status_code == 302 and logged_in.headers["Location"].endswith("/portal")
    assert 'href="/photos/"' in firm.get("/portal").text

    again = WebClient(platform.base_url)
    again.get(link)
    reused = again.post(
        "/password/set",
        {"token": token, "new_password": "Another2024!day", "confirm_password": "Another2024!day"},
    )
    assert reused.status_code == 409 and "連結" in reused.text


def test_refusal_needs_a_reason_and_mails_it(platform: flows.Platform):
    company = "信義聯合估價事務所 乙"
    email = apply(platform, company)
    tpd = clerk(platform, "TPDCLERK")
    page = tpd.get("/court/applications").text
    path = f"/court/applications/{application_id(page, company)}/decision"

    no_reason = tpd.post(path, {"decision": "refuse", "reason": " "})
    assert no_reason.status_code == 400 and "理由" in no_reason.text

    refused = tpd.post(
        path, {"decision": "refuse", "reason": "未檢附估價師證書影本"}, allow_redirects=False
    )
    assert refused.status_code == 302
    decided = tpd.get("/court/applications").text
    assert "未檢附估價師證書影本" in decided and "不予開通" in decided

    mail = mail_with(platform, email, "未通過")
    assert "未檢附估價師證書影本" in mail["body"]

    audit = tpd.get("/court/audit").text
    assert "不予開通帳號申請" in audit and "TPDCLERK" in audit and "未檢附估價師證書影本" in audit


def test_forgot_password_and_forgot_account_id(platform: flows.Platform):
    company = "永豐估價有限公司 丙"
    email = apply(platform, company)
    tpd = clerk(platform, "TPDCLERK")
    page = tpd.get("/court/applications").text
    tpd.post(
        f"/court/applications/{application_id(page, company)}/decision", {"decision": "activate"}
    )
    activation = mail_with(platform, email, "帳號已啟用")
    account_id = ACCOUNT_ID_LINE.search(activation["body"]).group(1)

    anyone = WebClient(platform.base_url)
    anyone.get("/password/forgot")
    right = anyone.post("/password/forgot", {"account_id": account_id.lower(), "email": email})
    wrong = anyone.post("/password/forgot", {"account_id": account_id, "email": "x@example.com"})
    assert right.status_code == wrong.status_code == 200
    assert "若資料正確，系統已寄出重設密碼連結" in right.text
    assert "若資料正確，系統已寄出重設密碼連結" in wrong.text

    reset = mail_with(platform, email, "重新設定密碼")
    link = set_password_path(reset)
    token = re.search(r'name="token" value="([^"]+)"', anyone.get(link).text).group(1)
    done = anyone.post(
        "/password/set",
        {"token": token, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        allow_redirects=False,
    )
    assert done.status_code == 302
    assert WebClient(platform.base_url).login(account_id, NEW_PASSWORD).status_code == 302

    anyone.get("/account/forgot-id")
    reminded = anyone.post("/account/forgot-id", {"email": email})
    assert "若資料正確" in reminded.text
    reminder = mail_with(platform, email, "您的帳號")
    assert account_id in reminder["body"]


def test_account_maintenance_shows_errors_per_field_and_saves(platform: flows.Platform):
    firm = WebClient(platform.base_url)
    assert firm.login("DEMOFIRM", DEMO_PASSWORD).status_code == 302
    page = firm.get("/account").text
    assert "個人帳號維護" in page and 'value="DEMOFIRM" readonly' in page

    bad = firm.post("/account", {"display_name": "", "email": "not-an-email", "phone": "02-1"})
    assert bad.status_code == 400
    assert 'id="e-display_name"' in bad.text and 'id="e-email"' in bad.text
    assert 'value="not-an-email"' in bad.text  # what was typed stays

    saved = firm.post(
        "/account",
        {
            "display_name": "大安不動產估價師事務所",
            "email": "firm@jes.example",
            "phone": "02-2700-1234",
            "contact_person": "陳小姐",
        },
        allow_redirects=False,
    )
    assert saved.status_code == 302
    page = firm.get("/account").text
    assert "已存檔" in page and 'value="02-2700-1234"' in page and 'value="陳小姐"' in page

    firm.get("/account/password")
    wrong = firm.post(
        "/account/password",
        {
            "current_password": "Wrong1234!",
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400 and "目前密碼不正確" in wrong.text


def test_account_posts_without_the_csrf_token_are_refused(platform: flows.Platform):
    firm = WebClient(platform.base_url)
    firm.login("DEMOFIRM", DEMO_PASSWORD)
    forged = firm.http.post(
        f"{platform.base_url}/account",
        data={"display_name": "偽造", "email": "evil@example.com", "phone": "1"},
        timeout=10,
    )
    assert forged.status_code == 403
    anonymous = requests.post(
        f"{platform.base_url}/password/forgot",
        data={"account_id": "DEMOFIRM", "email": "firm@jes.example"},
        timeout=10,
    )
    assert anonymous.status_code == 403
    assert "偽造" not in firm.get("/account").text

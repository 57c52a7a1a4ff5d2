"""憑證註冊 and 憑證登入 in the browser: all-in-one JES trusting the test GRCA hierarchy
(CRL and OCSP on loopback), a SoftHSM2 token holding the card and the stand-in of the
HiPKI component on localhost, reached by the page through the component's popup."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from support import flows
from support.card_desk import CardDesk, all_in_one_trusting_cards
from support.processes import wait_until

PIN = "135790"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[flows.Platform, CardDesk]]:
    with all_in_one_trusting_cards(tmp_path_factory.mktemp("jes-e2e-cert")) as running:
        yield running


def sign_with_pin(page: Page, pin: str) -> None:
    page.get_by_label("請插入憑證並輸入 PIN 碼").fill(pin)
    page.locator("#certificate-next").click()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_citizen_registers_with_the_card_and_logs_in_with_it(
    viewport: dict[str, int],
    cards: tuple[flows.Platform, CardDesk],
    new_page: Callable[[dict[str, int]], Page],
    screenshot_of: Callable[[Page, str], Path],
) -> None:
    width = viewport["width"]
    account_id = f"CITIZEN{width}"
    cert_platform, desk = cards
    desk.insert(desk.pki.card(name="林美玲", id_last_four="6789"), PIN, f"e2e-{width}")
    page = new_page(viewport)
    posted_to_portal: list[str] = []
    page.context.on(
        "request",
        lambda r: (
            posted_to_portal.append(r.post_data or "")
            if r.url.startswith(cert_platform.base_url) and r.method == "POST"
            else None
        ),
    )
    page.goto(f"{cert_platform.base_url}/login")
    page.get_by_role("link", name="憑證註冊").click()
    # the new page is there before axe and the screenshot look at it (a check run while the
    # browser swaps documents finds no document at all)
    expect(page.get_by_role("heading", level=1)).to_have_text("憑證註冊")
    screenshot_of(page, f"cert-terms-{width}")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#e-agree")).to_have_text("請勾選同意服務條款及隱私權保護政策")
    page.get_by_label("我已閱讀並同意服務條款及隱私權保護政策").check()
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("驗證憑證")
    screenshot_of(page, f"cert-card-{width}")

    # a wrong PIN fails at the token; nothing reaches the server
    sign_with_pin(page, "000000")
    expect(page.locator("#certificate-status")).to_contain_text("PIN 碼錯誤")
    screenshot_of(page, f"cert-card-wrong-pin-{width}")
    sign_with_pin(page, PIN)
    expect(page.get_by_role("heading", level=1)).to_contain_text("基本資料")
    expect(page.get_by_text("林美玲（自然人憑證，由憑證帶入）")).to_be_visible()

    # the first e-mail is verified by the 6-digit code mailed to it
    email = f"lin{width}@example.com"
    page.locator("#f-email").fill(email)
    page.get_by_role("button", name="發送認證碼").click()
    expect(page.get_by_role("status")).to_contain_text(f"認證碼已寄至 {email}")
    wait_until(lambda: cert_platform.mails_to(email), timeout=60, what="the code's mail")
    code = re.search(r"^\s+(\d{6})$", cert_platform.mails_to(email)[-1]["body"], re.M)
    assert code is not None
    page.locator("#f-code").fill(code.group(1))
    screenshot_of(page, f"cert-email-code-{width}")
    page.get_by_role("button", name="確定").click()
    expect(page.get_by_role("status")).to_contain_text(f"{email} 已完成認證")

    page.locator("#f-account_id").fill(account_id)
    page.locator("#f-new_password").fill("Card-Holder-2026!")
    page.locator("#f-confirm_password").fill("Card-Holder-2026!")
    page.locator("#f-national_id").fill("A123410005")  # valid, but not the card's last four digits
    page.locator("#f-phone").fill("02-2311-1234")
    page.locator("#f-address").fill("臺北市中正區重慶南路一段124號")
    page.get_by_role("button", name="確認註冊").click()
    expect(page.locator("#e-national_id")).to_have_text("身分證字號與憑證不符")
    screenshot_of(page, f"cert-details-error-{width}")
    page.locator("#f-national_id").fill("A123456789")
    page.locator("#f-new_password").fill("Card-Holder-2026!")
    page.locator("#f-confirm_password").fill("Card-Holder-2026!")
    page.get_by_role("button", name="確認註冊").click()
    expect(page.get_by_role("status")).to_contain_text(f"帳號 {account_id}（林美玲）已建立")
    screenshot_of(page, f"cert-done-{width}")

    # later: the same card logs in instead of the password
    page.get_by_role("link", name="憑證登入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("憑證登入")
    screenshot_of(page, f"cert-login-{width}")
    sign_with_pin(page, PIN)
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_text("林美玲").first).to_be_visible()
    assert desk.component.signed[-1].startswith("司法院整合服務入口網 憑證登入")
    # a renewed card is bound from the account (the page, checked by axe)
    page.goto(f"{cert_platform.base_url}/account/certificate")
    expect(page.get_by_role("heading", level=1)).to_have_text("換發憑證綁定")
    screenshot_of(page, f"cert-renew-{width}")

    # the PIN went to the component on localhost only, never to the portal
    assert posted_to_portal
    assert not [body for body in posted_to_portal if PIN in body or "000000" in body]

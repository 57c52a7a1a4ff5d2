"""Issue 11's litigant, the rest of journeys 1 and 4 in distributed mode (every service in
its own process on the real Kafka, PostgreSQL and SMTP sink; the first part is
test_case_progress_journey.py): forgot password mails a reset link, never a password (the
link read at the SMTP sink opens a page with a button; the new password works, the old
does not, the link is used up); the daily digest holds a case's new entries back and, when
its time comes, mails them in one digest."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from support import case_journeys as cj
from support import flows
from support.distributed import Distributed, pg_url
from support.web import WebClient

QUIET = 8  # seconds in which a notice composed in the 2 s batching window would arrive
DIGEST = "【司法院】案件進度每日摘要："
ANOTHER = "Another-Try-2026!x"


def activated_litigant(platform: flows.Platform, case, prefix: str) -> tuple[str, str]:
    """A follower whose account is activated: (e-mail, account id)."""
    court = platform.court_system("TPD")
    email = flows.unique_email(prefix)
    follow = cj.approve(court, case, email)
    [activation] = cj.wait_for(platform, email, cj.ACTIVATION, timeout=60)
    link = cj.set_password_link(activation)
    token = link.split("token=", 1)[1]
    browser = WebClient(platform.base_url)
    browser.get(link)  # the page with the button (and the form's CSRF token)
    done = browser.post(
        "/password/set",
        {"token": token, "new_password": cj.PASSWORD, "confirm_password": cj.PASSWORD},
        allow_redirects=False,
    )
    assert done.status_code == 302, done.text[-2000:]
    return email, follow.account_username


def test_forgot_password_mails_a_link_that_works_once(distributed: Distributed):
    platform = distributed.platform()
    case = cj.new_case()
    cj.push(platform.court_system("TPD"), case, f"fp-{case.number}-1", "分案")
    email, username = activated_litigant(platform, case, "dj-reset")

    browser = WebClient(platform.base_url)
    assert "忘記密碼" in browser.get("/password/forgot").text
    sent = browser.post("/password/forgot", {"account_id": username.lower(), "email": email})
    assert sent.status_code == 200, sent.text[-2000:]
    [mail] = cj.wait_for(platform, email, cj.RESET, timeout=60)
    assert cj.PASSWORD not in mail["body"]
    assert "本系統不會以電子郵件寄送密碼" in mail["body"]
    link = cj.set_password_link(mail)
    assert link.startswith("/password/set?token=")  # made relative to the gateway
    token = link.split("token=", 1)[1]

    # opening the link (as a mail scanner does) shows a button and uses nothing up
    for _ in range(2):
        opened = browser.get(link)
        assert opened.status_code == 200 and ">設定密碼</button>" in opened.text
    new_password = "Litigant-Reset-Dist-2026!"
    done = browser.post(
        "/password/set",
        {"token": token, "new_password": new_password, "confirm_password": new_password},
        allow_redirects=False,
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    # the new password works, the old does not
    assert platform.login(username, new_password)
    old = platform.api(
        "POST", "/api/v1/sessions", json={"account_id": username, "password": cj.PASSWORD}
    )
    assert old.status_code == 401, old.text

    # the link is used up: a second use is refused in zh-TW and changes nothing
    again = browser.post(
        "/password/set",
        {"token": token, "new_password": ANOTHER, "confirm_password": ANOTHER},
        allow_redirects=False,
    )
    assert again.status_code == 409 and "已使用" in again.text, again.text[-2000:]
    assert platform.login(username, new_password)
    refused = platform.api(
        "POST",
        "/api/v1/sessions",
        json={"account_id": username, "password": ANOTHER},
    )
    assert refused.status_code == 401


def test_the_daily_digest_holds_entries_back_and_mails_them_in_one_digest(
    distributed: Distributed,
):
    platform = distributed.platform()
    court = platform.court_system("TPD")
    case = cj.new_case(category=cj.cases_pb2.CASE_CATEGORY_FAMILY, word="家訴")
    cj.push(court, case, f"dg-{case.number}-0", "分案")
    email, username = activated_litigant(platform, case, "dj-digest")

    cj.push(court, case, f"dg-{case.number}-1", "調解")
    [first] = cj.wait_for(platform, email, cj.NOTICE + cj.dotted(case), timeout=60)
    settings = cj.relative(cj.line_after(first, "改為每日摘要或停止通知本案"))
    browser = WebClient(platform.base_url)
    assert "有新進度即通知" in browser.get(settings).text
    saved = browser.post(settings, {"mode": "daily_digest"})
    assert saved.status_code == 200 and "已儲存：每日摘要。" in saved.text

    # new entries: no mail now
    cj.push(court, case, f"dg-{case.number}-2", "定期調解")
    cj.push(court, case, f"dg-{case.number}-3", "調解不成立")
    time.sleep(QUIET)
    assert len(cj.mails(platform, email, cj.NOTICE + cj.dotted(case))) == 1
    assert cj.mails(platform, email, DIGEST) == []
    entry = f"dg-{case.number}"
    assert notices_of(distributed, email) == {
        f"{entry}-1": "composed",
        f"{entry}-2": "pending",
        f"{entry}-3": "pending",
    }

    # 18:00 Taipei comes: the notices' due time is brought to now, as the clock would bring
    # it; the running notification composes and mails the digest, one mail for both
    digest_time_comes(distributed, email)
    [digest] = cj.wait_for(platform, email, DIGEST, timeout=60)
    assert digest["subject"] == f"{DIGEST}{cj.dotted(case)}（2 筆）"
    assert "登載事項：定期調解\n" in digest["body"]
    assert "登載事項：調解不成立\n" in digest["body"]
    assert "登載事項：調解\n" not in digest["body"]  # mailed already, at once
    time.sleep(QUIET)
    assert len(cj.mails(platform, email, DIGEST)) == 1
    assert len(cj.mails(platform, email, cj.NOTICE + cj.dotted(case))) == 1
    assert set(notices_of(distributed, email).values()) == {"composed"}
    token = platform.login(username, cj.PASSWORD)
    [listed] = platform.api("GET", "/api/v1/cases", token).json()["cases"]
    assert listed["latest_entries"][0]["item"] == "調解不成立"


def notices_of(distributed: Distributed, email: str) -> dict[str, str]:
    """notification's notices for the address: the court's entry id -> status."""
    engine = create_engine(pg_url(distributed.infra, "notification"))
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT n.status, n.source_entry_id FROM progress_notices n"
                    " JOIN case_mail_subscriptions s ON s.id = n.subscription_id"
                    " WHERE s.recipient = :email"
                ),
                {"email": email.lower()},
            )
            return {row[1]: row[0] for row in found}
    finally:
        engine.dispose()


def digest_time_comes(distributed: Distributed, email: str) -> None:
    engine = create_engine(pg_url(distributed.infra, "notification"))
    try:
        with engine.begin() as connection:
            moved = connection.execute(
                text(
                    "UPDATE progress_notices SET due_at = now() WHERE status = 'pending'"
                    " AND subscription_id IN"
                    " (SELECT id FROM case_mail_subscriptions WHERE recipient = :email)"
                ),
                {"email": email.lower()},
            )
            assert moved.rowcount == 2
    finally:
        engine.dispose()

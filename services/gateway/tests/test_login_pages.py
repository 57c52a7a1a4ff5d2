"""The login page and API with identity's brute-force rules: the captcha (picture, Mandarin
audio, single-use id passed on), the device cookie, the per-client budget a known device
does not share, the error summary, and 會員專區 (login records, the systems of the roles)."""

from __future__ import annotations

import io
import re
import wave

import grpc
import pytest

from jes.case_sync.v1 import case_queries_pb2
from jes.identity.v1 import identity_pb2
from jes_gateway.limits import login_limiter

CAPTCHA_NEEDED = "請輸入圖形驗證碼"


def login_reply(device_token: str = "") -> identity_pb2.LoginResponse:
    return identity_pb2.LoginResponse(
        access_token="t",
        expires_in_seconds=900,
        account=identity_pb2.Account(account_id="TPD0001", display_name="大華估價", roles=["firm"]),
        device_token=device_token,
    )


@pytest.fixture
def identity(services):
    services.identity.replies["Login"] = login_reply("device-secret-1")
    return services.identity


def test_a_first_visit_shows_no_captcha(client, identity):
    page = client.get("/login").get_data(as_text=True)
    assert "captcha_id" not in page
    assert 'id="f-account_id"' in page and 'id="f-password"' in page
    for link in ("忘記密碼", "憑證註冊", "新手上路", "律師註冊", "事務所管理者註冊"):
        assert link in page
    assert 'href="/register/certificate"' in page and 'href="/register/professional' in page


def test_after_a_failure_the_form_shows_a_captcha_and_passes_it_on(
    client, identity, form_post, refusal
):
    identity.replies["Login"] = refusal(grpc.StatusCode.UNAUTHENTICATED, "帳號或密碼錯誤")
    page = form_post(client, "/login", {"account_id": "tpd0001", "password": "x"})
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "帳號或密碼錯誤" in html
    assert 'name="captcha_id" value="challenge-1"' in html
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', html)
    assert 'alt="圖形驗證碼' in html
    audio = re.search(r'href="(/login/captcha/audio\?token=[^"]+)"', html)
    assert audio and "聽語音驗證碼（國語）" in html
    identity.replies["Login"] = login_reply()
    reply = form_post(
        client,
        "/login",
        {
            "account_id": "tpd0001",
            "password": "Secret123",
            "captcha_id": "challenge-1",
            "captcha_answer": " ４０２７１９ ",
        },
    )
    assert reply.status_code == 302
    sent = identity.requests("Login")[-1]
    assert (sent.captcha_id, sent.captcha_answer) == ("challenge-1", "402719")


def test_the_audio_speaks_the_digits_as_a_wav(client, identity, form_post, refusal):
    identity.replies["Login"] = refusal(grpc.StatusCode.UNAUTHENTICATED, "帳號或密碼錯誤")
    html = form_post(client, "/login", {"account_id": "A", "password": "x"}).get_data(as_text=True)
    path = re.search(r'href="(/login/captcha/audio\?token=[^"]+)"', html).group(1)
    answer = client.get(path.replace("&amp;", "&"))
    assert answer.status_code == 200 and answer.mimetype == "audio/wav"
    with wave.open(io.BytesIO(answer.data)) as sound:
        assert (sound.getframerate(), sound.getnchannels()) == (8000, 1)
        assert sound.getnframes() / 8000 > 3  # six digits with pauses
    assert client.get("/login/captcha/audio?token=not-ours").status_code == 404


def test_a_captcha_refusal_is_shown_on_its_field_and_in_the_summary(
    client, identity, form_post, refusal
):
    identity.replies["Login"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, CAPTCHA_NEEDED, {"captcha": CAPTCHA_NEEDED}
    )
    html = form_post(client, "/login", {"account_id": "A", "password": "x"}).get_data(as_text=True)
    assert 'class="notice error-notice error-summary" role="alert"' in html
    assert f'<a href="#f-captcha_answer">輸入驗證：{CAPTCHA_NEEDED}</a>' in html
    assert f'<span class="field-error" id="e-captcha_answer">{CAPTCHA_NEEDED}</span>' in html


def test_a_wait_is_shown_as_identity_says_it(client, identity, form_post, refusal):
    identity.replies["Login"] = refusal(
        grpc.StatusCode.RESOURCE_EXHAUSTED, "登入失敗次數過多，請於 1 分鐘後再試"
    )
    page = form_post(client, "/login", {"account_id": "A", "password": "x"})
    assert page.status_code == 429
    assert "登入失敗次數過多，請於 1 分鐘後再試" in page.get_data(as_text=True)


def test_a_login_keeps_the_device_cookie_and_sends_it_back(client, identity, form_post):
    reply = form_post(client, "/login", {"account_id": "tpd0001", "password": "Secret123"})
    assert reply.status_code == 302 and reply.headers["Location"] == "/portal"
    [cookie] = [c for c in reply.headers.getlist("Set-Cookie") if c.startswith("jes_device_")]
    assert cookie.startswith("jes_device_TPD0001=device-secret-1;")
    for attribute in ("HttpOnly", "Path=/login", "SameSite=Lax", "Max-Age=15552000"):
        assert attribute in cookie
    client.post("/logout", data={"csrf_token": current_csrf(client)})
    client.get("/login")
    client.post("/login", data={"csrf_token": current_csrf(client), "account_id": "tpd0001"})
    assert identity.requests("Login")[-1].device_token == "device-secret-1"
    client.post("/logout", data={"csrf_token": current_csrf(client)})
    client.get("/login")
    client.post("/login", data={"csrf_token": current_csrf(client), "account_id": "OTHER"})
    assert identity.requests("Login")[-1].device_token == ""  # another account's: not sent
    assert len(identity.requests("Login")) == 3


def current_csrf(client) -> str:
    """The session's CSRF token (a login starts a new one), as the next page would carry."""
    with client.session_transaction() as session:
        return str(session.get("csrf_token", ""))


def test_a_known_device_does_not_share_the_clients_budget(
    client, app, identity, form_post, refusal
):
    identity.replies["Login"] = refusal(grpc.StatusCode.UNAUTHENTICATED, "帳號或密碼錯誤")
    for _ in range(login_limiter.limit):
        form_post(client, "/login", {"account_id": "tpd0001", "password": "x"})
    over = form_post(client, "/login", {"account_id": "tpd0001", "password": "x"})
    assert over.status_code == 429
    client.set_cookie("jes_device_TPD0001", "device-secret-1", path="/login")
    identity.replies["Login"] = login_reply()
    reply = form_post(client, "/login", {"account_id": "tpd0001", "password": "Secret123"})
    assert reply.status_code == 302


# -- the API -------------------------------------------------------------------------------------


def test_the_api_gives_a_captcha_with_picture_and_audio(client, identity):
    reply = client.post("/api/v1/captchas")
    assert reply.status_code == 201
    body = reply.get_json()
    assert body["id"] == "challenge-1"
    assert body["image"].startswith("data:image/png;base64,")
    assert "/login/captcha/audio?token=" in body["audio_url"]
    assert body["expires_at"].endswith("Z")
    assert "402719" not in reply.get_data(as_text=True)


def test_the_api_login_passes_captcha_and_device_token_and_returns_a_new_one(client, identity):
    reply = client.post(
        "/api/v1/sessions",
        json={
            "account_id": "TPD0001",
            "password": "Secret123",
            "device_token": "old",
            "captcha_id": "challenge-1",
            "captcha_answer": "402719",
        },
    )
    assert reply.status_code == 201
    assert reply.get_json()["device_token"] == "device-secret-1"
    sent = identity.requests("Login")[-1]
    assert (sent.device_token, sent.captcha_id, sent.captcha_answer) == (
        "old",
        "challenge-1",
        "402719",
    )


def test_the_api_says_which_field_a_missing_captcha_is(client, identity, refusal):
    identity.replies["Login"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, CAPTCHA_NEEDED, {"captcha": CAPTCHA_NEEDED}
    )
    reply = client.post("/api/v1/sessions", json={"account_id": "A", "password": "x"})
    assert reply.status_code == 400
    assert reply.get_json()["fields"] == {"captcha": CAPTCHA_NEEDED}


# -- 會員專區 --------------------------------------------------------------------------------------


def history() -> identity_pb2.LoginHistory:
    reply = identity_pb2.LoginHistory()
    reply.previous_success.client_address = "203.0.113.5"
    reply.previous_success.success = True
    reply.previous_success.at.FromSeconds(1764489600)  # 2025-11-30 08:00 UTC = 16:00 Taipei
    failure = reply.recent_failures.add(client_address="198.51.100.66")
    failure.at.FromSeconds(1764493200)
    reply.recent_failures.add(client_address="198.51.100.66", refused=True).at.FromSeconds(
        1764493260
    )
    reply.failure_count = 2
    return reply


def test_the_dashboard_shows_logins_and_the_firms_systems(firm, services):
    services.identity.replies["ListMyLoginRecords"] = history()
    page = firm.get("/portal")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "民國 114年 11月30日 星期日 16:00:00，來源位址 203.0.113.5" in html
    assert "2 次（自上次登入成功後）" in html
    assert "198.51.100.66" in html and "未檢查密碼（缺驗證碼或須等待）" in html
    assert 'href="/photos/"' in html and "鑑估報告照片上傳維護" in html
    assert 'href="/court/reviews"' not in html  # not a clerk
    assert re.search(r'class="date-line">民國 \d+年 \d+月\d+日 星期. \d\d:\d\d:\d\d<', html)
    assert services.identity.tokens("ListMyLoginRecords") == ["token-of-TPD0001"]


def test_a_clerk_sees_the_courts_systems(clerk, services):
    services.identity.replies["ListMyLoginRecords"] = identity_pb2.LoginHistory()
    html = clerk.get("/portal").get_data(as_text=True)
    assert "這是您第一次登入" in html
    assert 'href="/court/reviews"' in html and 'href="/court/applications"' in html
    assert 'href="/photos/"' not in html


def test_the_api_lists_my_logins(client, services):
    services.identity.replies["ListMyLoginRecords"] = history()
    reply = client.get("/api/v1/account/logins", headers={"Authorization": "Bearer tok"})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["previous_success"]["client_address"] == "203.0.113.5"
    assert body["previous_success"]["at"] == "2025-11-30T08:00:00Z"
    assert body["previous_success"]["at_text"] == "民國 114年 11月30日 星期日 16:00:00"
    assert [f["refused"] for f in body["recent_failures"]] == [False, True]


def test_every_page_has_a_skip_link_to_main(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">跳到主要內容</a>' in html
    assert '<main id="main" tabindex="-1">' in html
    assert "forms.js" in html


def test_the_firm_application_offers_only_the_photo_systems_courts(client):
    # High administrative courts auction nothing: a firm cannot apply to one.
    html = client.get("/").get_data(as_text=True)
    apply_form = html[html.index('id="apply-form"') :]
    assert "臺灣基隆地方法院" in apply_form
    assert "臺北高等行政法院" not in apply_form


@pytest.mark.parametrize(
    "roles",
    [["judge"], ["admin"], ["clerk"], ["prosecutor"], ["progress"], ["member"], ["professional"]],
)
def test_the_dashboard_and_the_menu_offer_case_progress_only_to_its_readers(
    client, services, sign_in, roles
):
    """案件進度查詢 on 會員專區 and in the menu exactly when /cases/ lets the person in."""
    services.identity.replies["ListMyLoginRecords"] = identity_pb2.LoginHistory()
    services.cases.replies["ListMyCases"] = case_queries_pb2.ListMyCasesResponse()
    sign_in(client, "READER", roles, court_code="TPD")
    dashboard = client.get("/portal").get_data(as_text=True)
    menu = dashboard.split('<nav aria-label="主選單">')[1].split("</nav>")[0]
    opens = client.get("/cases/").status_code == 200
    assert opens == (roles[0] in {"prosecutor", "progress", "member", "professional"})
    assert ('href="/cases/"' in dashboard.split("</nav>", 1)[1]) == opens
    assert ('href="/cases/"' in menu) == opens

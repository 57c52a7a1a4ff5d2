"""Account pages against fake services: set password, forgot password / account id,
personal account maintenance, change password."""

from __future__ import annotations

import re

import grpc
import pytest

from jes.identity.v1 import identity_pb2

from .conftest import sign_in_as

LINK_USED = "此連結已失效或已使用，請重新申請"


def test_set_password_page_shows_the_policy_and_keeps_the_token(client):
    page = client.get("/password/set?token=abc123").get_data(as_text=True)
    assert "設定密碼" in page
    assert 'name="token" value="abc123"' in page
    assert "@!?.()~" in page and "大寫及小寫" in page
    assert "密碼強度" in page


def test_set_password_success_goes_to_login_with_a_message(client, services, form_post):
    services.identity.replies["SetPassword"] = identity_pb2.SetPasswordResponse(
        account_id="TPD0001"
    )
    reply = form_post(
        client,
        "/password/set",
        {"token": "abc123", "new_password": "Secret12!", "confirm_password": "Secret12!"},
    )
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/login")
    [sent] = services.identity.requests("SetPassword")
    assert (sent.token, sent.new_password) == ("abc123", "Secret12!")
    login = client.get("/login").get_data(as_text=True)
    assert "密碼已設定完成" in login and "TPD0001" in login


def test_set_password_mismatch_is_caught_before_identity(client, services, form_post):
    reply = form_post(
        client,
        "/password/set",
        {"token": "abc", "new_password": "Secret12!", "confirm_password": "Secret12?"},
    )
    assert reply.status_code == 400
    assert "兩次輸入的新密碼不一致" in reply.get_data(as_text=True)
    # The page shows identity's password policy again; identity is asked nothing else.
    assert [name for name, _, _ in services.identity.calls] == ["GetPasswordPolicy"]


def test_set_password_shows_identitys_refusals(client, services, form_post, refusal):
    services.identity.replies["SetPassword"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "輸入資料有誤", {"new_password": "密碼須包含數字"}
    )
    weak = {"token": "abc", "new_password": "Secretsss", "confirm_password": "Secretsss"}
    reply = form_post(client, "/password/set", weak)
    assert reply.status_code == 400 and "密碼須包含數字" in reply.get_data(as_text=True)

    services.identity.replies["SetPassword"] = refusal(
        grpc.StatusCode.FAILED_PRECONDITION, LINK_USED
    )
    good = {"token": "abc", "new_password": "Secret12!", "confirm_password": "Secret12!"}
    reply = form_post(client, "/password/set", good)
    assert reply.status_code == 409 and LINK_USED in reply.get_data(as_text=True)


def test_set_password_posts_are_rate_limited_per_client(client, services, form_post):
    services.identity.replies["SetPassword"] = identity_pb2.SetPasswordResponse(account_id="X")
    form = {"token": "t", "new_password": "Secret12!", "confirm_password": "Secret12!"}
    statuses = [form_post(client, "/password/set", form).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429


def test_forgot_password_answers_the_same_either_way(client, services, form_post):
    services.identity.replies["RequestPasswordReset"] = identity_pb2.RequestPasswordResetResponse()
    form = {"account_id": "tpd0001", "email": "a@example.com"}
    page = form_post(client, "/password/forgot", form).get_data(as_text=True)
    assert "若資料正確，系統已寄出重設密碼連結" in page
    [sent] = services.identity.requests("RequestPasswordReset")
    assert sent.account_id == "TPD0001"  # account ids are upper case


def test_forgot_password_shows_format_errors_per_field(client, services, form_post, refusal):
    services.identity.replies["RequestPasswordReset"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "輸入資料有誤", {"email": "電子郵件格式不正確"}
    )
    reply = form_post(client, "/password/forgot", {"account_id": "A", "email": "nope"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert 'id="e-email"' in page and "電子郵件格式不正確" in page
    assert 'value="nope"' in page  # what was typed stays


def test_forgot_password_is_rate_limited_per_client(client, services, form_post):
    services.identity.replies["RequestPasswordReset"] = identity_pb2.RequestPasswordResetResponse()
    services.identity.replies["RemindAccountId"] = identity_pb2.RemindAccountIdResponse()
    form = {"account_id": "A", "email": "a@b.tw"}
    for _ in range(10):
        assert form_post(client, "/password/forgot", form).status_code == 200
    # forgot-id counts on its own
    assert form_post(client, "/account/forgot-id", {"email": "a@b.tw"}).status_code == 200
    reply = form_post(client, "/password/forgot", {"account_id": "A", "email": "a@b.tw"})
    assert reply.status_code == 429 and "嘗試次數過多" in reply.get_data(as_text=True)


def test_forgot_account_id_answers_the_same_either_way(client, services, form_post):
    services.identity.replies["RemindAccountId"] = identity_pb2.RemindAccountIdResponse()
    page = form_post(client, "/account/forgot-id", {"email": "x@example.com"}).get_data(
        as_text=True
    )
    assert "若資料正確，系統已將您的帳號寄至該電子郵件信箱" in page


def test_account_page_needs_a_login(client):
    reply = client.get("/account")
    assert reply.status_code == 302 and "/login?next=/account" in reply.headers["Location"]


def my_account(**changes: str) -> identity_pb2.Account:
    values = {
        "account_id": "TPD0001",
        "display_name": "大華估價",
        "email": "firm@example.com",
        "phone": "02-2345-6789",
        "contact_person": "王大明",
        "roles": ["firm"],
        "court_code": "TPD",
        **changes,
    }
    return identity_pb2.Account(**values)


def test_account_page_shows_the_account_with_required_marks(firm, services):
    services.identity.replies["GetMyAccount"] = my_account()
    page = firm.get("/account").get_data(as_text=True)
    assert 'value="TPD0001" readonly' in page
    assert "臺灣臺北地方法院" in page
    assert 'value="大華估價"' in page and 'value="02-2345-6789"' in page
    assert page.count('class="req"') >= 3  # 名稱, 電子郵件, 電話
    assert services.identity.tokens("GetMyAccount") == ["token-of-TPD0001"]


def test_account_save_shows_errors_per_field_and_keeps_input(firm, services, form_post, refusal):
    services.identity.replies["GetMyAccount"] = my_account()
    services.identity.replies["UpdateMyAccount"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT,
        "輸入資料有誤",
        {"display_name": "請輸入名稱", "phone": "電話格式不正確"},
    )
    form = {"display_name": "", "email": "firm@example.com", "phone": "abc"}
    reply = form_post(firm, "/account", form)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "請輸入名稱" in page and "電話格式不正確" in page
    assert 'id="e-display_name"' in page and 'value="abc"' in page


def test_account_save_updates_the_name_in_the_header(firm, services, form_post):
    services.identity.replies["UpdateMyAccount"] = lambda r: my_account(
        display_name=r.display_name, email=r.email, phone=r.phone
    )
    services.identity.replies["GetMyAccount"] = my_account(display_name="大華不動產估價")
    form = {"display_name": "大華不動產估價", "email": "new@example.com", "phone": "02-1234"}
    reply = form_post(firm, "/account", form)
    assert reply.status_code == 302
    page = firm.get("/account").get_data(as_text=True)
    assert "已存檔" in page
    assert "大華不動產估價（TPD0001）" in page  # the user bar


def test_change_password(firm, services, form_post, refusal):
    services.identity.replies["ChangePassword"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "輸入資料有誤", {"current_password": "目前密碼不正確"}
    )
    form = {
        "current_password": "wrong",
        "new_password": "Secret12!",
        "confirm_password": "Secret12!",
    }
    reply = form_post(firm, "/account/password", form)
    assert reply.status_code == 400 and "目前密碼不正確" in reply.get_data(as_text=True)
    services.identity.replies["ChangePassword"] = identity_pb2.ChangePasswordResponse()
    assert form_post(firm, "/account/password", form).status_code == 302
    [_, sent] = services.identity.requests("ChangePassword")
    assert (sent.current_password, sent.new_password) == ("wrong", "Secret12!")


def test_account_posts_without_the_csrf_token_are_refused(app, services):
    browser = app.test_client()
    reply = browser.post("/password/forgot", data={"account_id": "A", "email": "a@b.tw"})
    assert reply.status_code == 403
    assert services.identity.calls == []


# -- single sign-on accounts: the directory owns the name and the password ----------------


@pytest.fixture
def judge(client):
    sign_in_as(client, "J3K7Q2", ["judge"], name="王大明", sign_in_provider="courts")
    return client


def test_a_judge_sees_no_password_tab_and_cannot_edit_the_name(judge, services):
    services.identity.replies["GetMyAccount"] = my_account(
        account_id="J3K7Q2", display_name="王大明", roles=["judge"], sign_in_provider="courts"
    )
    page = judge.get("/account").get_data(as_text=True)
    assert "維護密碼" not in page and 'href="/account/password"' not in page
    name = re.search(r'<input id="f-display_name"[^>]*>', page)
    assert name and "readonly" in name.group(0) and 'value="王大明"' in name.group(0)
    assert "名稱由所屬機關的單一登入目錄提供" in page
    assert "重設密碼連結" not in page  # none is sent to these accounts


def test_a_judge_is_told_the_password_is_the_courts(judge, services):
    page = judge.get("/account/password").get_data(as_text=True)
    assert "此帳號以所屬機關的單一登入使用，密碼由機關管理" in page
    assert 'name="current_password"' not in page
    assert "ChangePassword" not in [name for name, _, _ in services.identity.calls]


def test_others_still_have_the_password_tab(firm, services):
    services.identity.replies["GetMyAccount"] = my_account()
    page = firm.get("/account").get_data(as_text=True)
    assert 'href="/account/password"' in page
    name = re.search(r'<input id="f-display_name"[^>]*>', page)
    assert name and "readonly" not in name.group(0)

"""案件進度查詢聲請核准 against a fake case-sync: a clerk's form sends the clerk's own
token and court, reads a pasted case number, shows every wrong box at once and the
service's refusals beside their fields; only clerks reach it."""

from __future__ import annotations

import grpc
import pytest

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2

FORM = {
    "court_code": "TPD",
    "category": str(cases_pb2.CASE_CATEGORY_CIVIL),
    "year": "115年度訴字第12號",
    "word": "",
    "number": "",
    "email": "party@example.com",
    "role": str(cases_pb2.FOLLOWER_ROLE_PARTY),
    "applicant_name": "王小明",
    "application_id": "115-收-000123",
}


@pytest.fixture
def cases(services):
    fake = services.cases
    fake.replies["ApproveFollow"] = cases_pb2.Follow(
        email="party@example.com", account_username="P0000000007", account_opened=True
    )
    fake.replies["ListFollowers"] = pb.ListFollowersResponse(
        followers=[
            cases_pb2.Follow(
                email="party@example.com",
                role=cases_pb2.FOLLOWER_ROLE_PARTY,
                status=cases_pb2.FOLLOW_STATUS_ACTIVE,
                account_username="P0000000007",
                approved_by="TPDCLERK",
            )
        ]
    )
    return fake


@pytest.fixture
def clerk(client, sign_in):
    sign_in(client, "TPDCLERK", ["clerk"], court_code="TPD", name="臺北書記官")
    return client


def test_the_form_offers_the_clerks_court_and_the_contracts_labels(clerk, cases):
    page = clerk.get("/court/follows").get_data(as_text=True)
    assert "法院：<strong>臺灣臺北地方法院</strong>" in page
    assert 'name="court_code" value="TPD"' in page
    for label in ("民事", "家事", "刑事", "行政", "當事人", "法定代理人", "訴訟代理人", "辯護人"):
        assert f">{label}</option>" in page
    assert "少年" not in page


def test_an_approval_sends_the_clerks_token_and_the_case(clerk, cases, form_post):
    reply = form_post(clerk, "/court/follows", FORM)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    [asked] = cases.requests("ApproveFollow")
    assert (asked.case.court_code, asked.case.year, asked.case.word, asked.case.number) == (
        "TPD",
        115,
        "訴",
        12,
    )
    assert asked.email == "party@example.com" and asked.role == cases_pb2.FOLLOWER_ROLE_PARTY
    assert (asked.applicant_name, asked.application_id) == ("王小明", "115-收-000123")
    assert cases.tokens("ApproveFollow") == ["token-of-TPDCLERK"]
    assert "已核准 party@example.com 查詢 115.訴.000012；已開立帳號 P0000000007" in page
    assert '<td data-label="狀態">查詢中</td><td data-label="核准者">TPDCLERK</td>' in page
    assert [f.case.number for f in cases.requests("ListFollowers")] == [12]


def test_every_wrong_box_is_named_at_once_and_nothing_is_sent(clerk, cases, form_post):
    wrong = {**FORM, "category": "", "year": "abc", "word": "A1", "number": "", "role": "9"}
    reply = form_post(clerk, "/court/follows", wrong)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "請選擇案類" in page and "請選擇聲請人身分" in page
    assert 'id="e-year"' in page and 'id="e-word"' in page and 'id="e-number"' in page
    assert cases.requests("ApproveFollow") == []


def test_the_services_refusal_shows_beside_its_field(clerk, cases, refusal, form_post):
    cases.replies["ApproveFollow"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "追蹤申請資料有誤", {"email": "電子郵件格式不正確"}
    )
    reply = form_post(clerk, "/court/follows", {**FORM, "email": "not-an-address"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert '<span class="field-error" id="e-email">電子郵件格式不正確</span>' in page


def test_another_courts_case_is_refused_as_case_sync_says(clerk, cases, refusal, form_post):
    cases.replies["ApproveFollow"] = refusal(
        grpc.StatusCode.PERMISSION_DENIED, "您只能處理所屬法院的案件"
    )
    reply = form_post(clerk, "/court/follows", {**FORM, "court_code": "KLD"})
    assert reply.status_code == 403
    assert cases.requests("ListFollowers") == []


def test_only_clerks_reach_it(client, sign_in, cases, form_post):
    assert client.get("/court/follows").status_code == 302  # log in first
    sign_in(client, "P0000000001", ["progress"], court_code="", name="王小明")
    assert client.get("/court/follows").status_code == 403
    assert form_post(client, "/court/follows", FORM).status_code == 403
    assert cases.calls == []


def test_the_services_case_fields_link_to_their_boxes(clerk, cases, refusal, form_post):
    cases.replies["ApproveFollow"] = refusal(
        grpc.StatusCode.FAILED_PRECONDITION,
        "少年事件不在案件進度查詢服務的範圍",
        {"case.word": "字別「少訴」為少年事件，不提供查詢"},
    )
    reply = form_post(clerk, "/court/follows", {**FORM, "year": "115年度少訴字第12號"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert '<a href="#f-word">字別：字別「少訴」為少年事件，不提供查詢</a>' in page
    assert 'id="e-word" class="field-error">字別「少訴」為少年事件，不提供查詢' in page

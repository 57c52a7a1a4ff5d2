"""Professional registration pages and API against fake services: the form and its
zh-TW errors beside each field, the submitted page, the printable form (report-render
called by the gateway as itself with identity's data), the administrators' queue."""

from __future__ import annotations

import grpc

from jes.identity.v1 import identity_pb2 as pb
from jes.report_render.v1 import report_render_pb2 as render_pb

FORM = {
    "kind": "lawyer",
    "account_id": "LAWCHEN01",
    "name": "陳美玲",
    "gender": "female",
    "national_id": "A223456781",
    "birth_date": "0611218",
    "licence_number": "(95)台檢證字第1234號",
    "association": "台北律師公會",
    "address": "臺北市中正區重慶南路一段124號",
    "phone": "02-2361-8577",
    "email": "chen@example.com",
}


def application(**changes) -> pb.ProfessionalApplication:
    form = {**FORM, "birth_date": "1972-12-18"}
    form.update(kind=pb.PROFESSION_KIND_LAWYER, gender=pb.GENDER_FEMALE)
    values = {
        "id": "pro-1",
        "form": pb.ProfessionalApplicationForm(**form),
        "status": pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED,
        **changes,
    }
    message = pb.ProfessionalApplication(**values)
    message.created_at.FromJsonString("2026-11-30T02:30:00Z")
    return message


def test_the_form_offers_the_five_kinds_with_the_contracts_labels(client):
    page = client.get("/register/professional?kind=patent_agent").get_data(as_text=True)
    for label in ("律師", "會計師", "專利師", "專利代理人", "事務所管理人"):
        assert f">{label}</option>" in page
    assert '<option value="patent_agent" selected>專利代理人</option>' in page
    assert 'name="national_id"' in page and 'name="birth_date"' in page


def test_a_refused_form_shows_each_zh_tw_error_beside_its_field(
    client, services, refusal, form_post
):
    services.identity.replies["ApplyProfessionalAccount"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT,
        "聲請資料有誤，請修正後再送出",
        {"email": "電子郵件格式不正確", "national_id": "身分證字號檢查碼錯誤，請確認是否輸入正確"},
    )
    reply = form_post(client, "/register/professional", {**FORM, "national_id": "A123456788"})
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert 'id="e-national_id">身分證字號檢查碼錯誤，請確認是否輸入正確</span>' in page
    assert 'id="e-email">電子郵件格式不正確</span>' in page
    assert (
        '<a href="#f-national_id">身分證字號：身分證字號檢查碼錯誤，請確認是否輸入正確</a>' in page
    )
    # the summary lists the errors in the form's order, whatever order the service gave
    assert page.index('href="#f-national_id"') < page.index('href="#f-email"')
    assert 'value="A123456788"' in page  # what was typed stays
    [sent] = services.identity.requests("ApplyProfessionalAccount")
    assert sent.form.kind == pb.PROFESSION_KIND_LAWYER
    assert sent.form.gender == pb.GENDER_FEMALE


def test_a_duplicate_is_shown_as_a_conflict_on_its_field(client, services, refusal, form_post):
    services.identity.replies["ApplyProfessionalAccount"] = refusal(
        grpc.StatusCode.ALREADY_EXISTS,
        "聲請資料有誤，請修正後再送出",
        {"licence_number": "此證書字號已有聲請案"},
    )
    reply = form_post(client, "/register/professional", FORM)
    assert reply.status_code == 409
    assert 'id="e-licence_number">此證書字號已有聲請案</span>' in reply.get_data(as_text=True)


def test_a_submitted_application_offers_its_printable_form(client, services, form_post):
    services.identity.replies["ApplyProfessionalAccount"] = application()
    reply = form_post(client, "/register/professional", FORM)
    assert reply.status_code == 201
    page = reply.get_data(as_text=True)
    assert '聲請編號：<strong class="mono">pro-1</strong>' in page
    assert 'name="application_id" value="pro-1"' in page
    assert "民國 61年 12月18日" in page


def test_the_printable_form_is_rendered_from_identitys_data(client, services, form_post):
    services.identity.replies["GetProfessionalApplication"] = application()
    services.render.replies["RenderApplicationForm"] = render_pb.RenderedDocument(
        pdf=b"%PDF-1.4 form", pages=1
    )
    reply = form_post(
        client,
        "/register/professional/form.pdf",
        {"application_id": "pro-1", "national_id": "a223456781"},
    )
    assert reply.status_code == 200
    assert reply.mimetype == "application/pdf"
    assert reply.data == b"%PDF-1.4 form"
    assert "attachment" in reply.headers["Content-Disposition"]
    [asked] = services.identity.requests("GetProfessionalApplication")
    assert (asked.application_id, asked.national_id) == ("pro-1", "a223456781")
    assert services.identity.tokens("GetProfessionalApplication") == [None]
    [render] = services.render.requests("RenderApplicationForm")
    assert services.render.tokens("RenderApplicationForm") == [None]  # as the gateway itself
    lines = {line.label: line.value for line in render.lines}
    assert lines["聲請人身分別"] == "律師"
    assert lines["身分證字號"] == "A223456781"
    assert lines["出生年月日"] == "民國 61年 12月18日"
    assert render.title == "司法院電子化服務聲請單"
    assert render.reference == "pro-1"
    assert list(render.signatures) == ["聲請人簽名或蓋章"]


def test_a_wrong_number_or_id_is_said_on_the_reprint_form(client, services, refusal, form_post):
    services.identity.replies["GetProfessionalApplication"] = refusal(
        grpc.StatusCode.NOT_FOUND, "查無此聲請案，請確認聲請編號及身分證字號"
    )
    reply = form_post(
        client,
        "/register/professional/form.pdf",
        {"application_id": "pro-1", "national_id": "B123456780"},
    )
    assert reply.status_code == 404
    assert "查無此聲請案，請確認聲請編號及身分證字號" in reply.get_data(as_text=True)
    assert services.render.requests("RenderApplicationForm") == []
    empty = form_post(client, "/register/professional/form.pdf", {})
    assert empty.status_code == 400
    assert 'id="e-application_id">請輸入聲請編號</span>' in empty.get_data(as_text=True)


def test_the_queue_is_for_administrators(clerk):
    assert clerk.get("/admin/professionals").status_code == 403


def test_the_queue_and_a_refusal_without_reason(admin, services, refusal, form_post):
    services.identity.replies["ListProfessionalApplications"] = (
        pb.ListProfessionalApplicationsResponse(applications=[application()])
    )
    page = admin.get("/admin/professionals").get_data(as_text=True)
    assert "待審核的聲請（1）" in page
    assert "陳美玲（律師）" in page
    assert services.identity.tokens("ListProfessionalApplications") == ["token-of-ADMIN"]
    services.identity.replies["DecideProfessionalApplication"] = refusal(
        grpc.StatusCode.INVALID_ARGUMENT, "資料有誤，請修正後再送出", {"reason": "請填寫駁回理由"}
    )
    reply = form_post(admin, "/admin/professionals/pro-1/decision", {"decision": "refuse"})
    assert reply.status_code == 400
    assert "請填寫駁回理由" in reply.get_data(as_text=True)


def test_an_approval_names_the_account(admin, services, form_post):
    services.identity.replies["DecideProfessionalApplication"] = application(
        status=pb.PROFESSIONAL_APPLICATION_STATUS_APPROVED, decided_by="ADMIN"
    )
    reply = form_post(admin, "/admin/professionals/pro-1/decision", {"decision": "approve"})
    assert reply.status_code == 302
    [decided] = services.identity.requests("DecideProfessionalApplication")
    assert (decided.application_id, decided.approve) == ("pro-1", True)
    assert services.identity.tokens("DecideProfessionalApplication") == ["token-of-ADMIN"]


# -- the API ----------------------------------------------------------------------------------


def test_the_api_applies_and_refuses_bad_input_in_zh_tw(client, services, refusal):
    services.identity.replies["ApplyProfessionalAccount"] = application()
    reply = client.post("/api/v1/professional-applications", json=FORM)
    assert reply.status_code == 201
    assert reply.json == {
        "id": "pro-1",
        "status": "submitted",
        "message": "聲請已送出，請下載聲請表列印並簽名或蓋章後，寄送司法院資訊處審核",
    }
    missing = client.post("/api/v1/professional-applications", json={"kind": "lawyer"})
    assert missing.status_code == 400
    assert missing.mimetype == "application/problem+json"
    assert "name" in missing.json["fields"]
    services.identity.replies["ApplyProfessionalAccount"] = refusal(
        grpc.StatusCode.ALREADY_EXISTS,
        "聲請資料有誤，請修正後再送出",
        {"national_id": "此身分證字號已有聲請案或帳號（一人限申請一個帳號）"},
    )
    duplicate = client.post("/api/v1/professional-applications", json=FORM)
    assert duplicate.status_code == 409
    assert duplicate.json["fields"] == {
        "national_id": "此身分證字號已有聲請案或帳號（一人限申請一個帳號）"
    }


def test_the_api_lists_and_decides_with_the_callers_token(client, services):
    services.identity.replies["ListProfessionalApplications"] = (
        pb.ListProfessionalApplicationsResponse(applications=[application()])
    )
    headers = {"Authorization": "Bearer admin-token"}
    listed = client.get("/api/v1/professional-applications?status=submitted", headers=headers)
    assert listed.status_code == 200
    [shown] = listed.json["applications"]
    assert (shown["kind"], shown["kind_label"], shown["status"]) == ("lawyer", "律師", "submitted")
    [asked] = services.identity.requests("ListProfessionalApplications")
    assert asked.status == pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED
    wrong = client.get("/api/v1/professional-applications?status=maybe", headers=headers)
    assert wrong.status_code == 400
    services.identity.replies["DecideProfessionalApplication"] = application(
        status=pb.PROFESSIONAL_APPLICATION_STATUS_REFUSED, refusal_reason="證書已註銷"
    )
    decided = client.post(
        "/api/v1/professional-applications/pro-1/decision",
        json={"approve": False, "reason": "證書已註銷"},
        headers=headers,
    )
    assert decided.status_code == 200
    assert decided.json["status"] == "refused"
    assert services.identity.tokens("DecideProfessionalApplication") == ["admin-token"]

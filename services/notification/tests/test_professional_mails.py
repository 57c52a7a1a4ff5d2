"""Mails of professional registration: the acknowledgement (nothing the applicant typed),
the approval with the one-time activation link (the firms' mechanism), the refusal with
its reason."""

from __future__ import annotations

from datetime import UTC, datetime

from jes.identity.v1 import identity_pb2
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"
LINK_ID = "link-of-the-approval"
EXPIRES = datetime(2024, 11, 23, 17, 30, tzinfo=UTC)
EXPIRES_SHOWN = "民國 113年 11月24日 星期日 01:30:00"


def envelope_of(payload):
    return make_envelope(payload, source="identity", subject="subject-1")


def notice(**overrides) -> identity_pb2.ProfessionalApplicationNotice:
    fields = {
        "id": "pro-1",
        "kind": identity_pb2.PROFESSION_KIND_PATENT_AGENT,
        "name": "林代理人",
        "email": "lin@example.com",
        "account_id": "LINAGENT",
    }
    fields.update(overrides)
    app = identity_pb2.ProfessionalApplicationNotice(**fields)
    app.created_at.FromDatetime(datetime(2024, 11, 20, 17, 30, tzinfo=UTC))
    return app


def test_the_acknowledgement_carries_nothing_the_applicant_typed(service):
    service.handle(envelope_of(identity_pb2.ProfessionalApplicationSubmitted(application=notice())))
    [mail] = service.deliveries()
    assert mail.recipient == "lin@example.com"
    assert mail.template == "professional_application_received"
    assert mail.subject == "【司法院】專利代理人帳號聲請已受理"
    assert mail.body.startswith("您好：\n")
    assert "林代理人" not in mail.body and "LINAGENT" not in mail.body
    assert "聲請編號：pro-1\n" in mail.body
    assert "聲請日期：民國 113年 11月21日 星期四\n" in mail.body
    assert f"\n{PUBLIC_URL}/register/professional/reprint\n" in mail.body
    assert mail.link_id == ""


def test_the_approval_mails_the_account_id_and_a_one_time_link(service, sender, transport):
    event = identity_pb2.ProfessionalAccountApproved(
        application=notice(), set_password_link_id=LINK_ID
    )
    event.token_expires_at.FromDatetime(EXPIRES)
    envelope = envelope_of(event)
    service.handle(envelope)
    service.handle(envelope)  # delivered twice: one mail
    [mail] = service.deliveries()
    assert mail.template == "professional_account_approved"
    assert mail.subject == "【司法院】專利代理人帳號聲請已核准，請設定密碼啟用"
    assert mail.link_id == LINK_ID
    assert mail.body.startswith("林代理人 您好：\n")
    assert "帳號：LINAGENT\n" in mail.body
    assert f"請於 {EXPIRES_SHOWN} 前，開啟下列連結設定密碼以啟用帳號" in mail.body
    assert "密碼：" not in mail.body
    assert sender.run_once() == 1
    [message] = transport.sent
    [token] = service.identity.issued_tokens
    assert f"\n{PUBLIC_URL}/password/set?token={token}\n" in str(message.get_content())
    assert token not in service.delivery(mail.id).body


def test_the_refusal_mails_the_reason_unescaped(service):
    event = identity_pb2.ProfessionalApplicationRefused(
        application=notice(refusal_reason="證書 <影本> 不清楚 & 未簽名")
    )
    service.handle(envelope_of(event))
    [mail] = service.deliveries()
    assert mail.template == "professional_application_refused"
    assert mail.subject == "【司法院】專利代理人帳號聲請未通過"
    assert "林代理人" not in mail.body
    assert "未通過理由：證書 <影本> 不清楚 & 未簽名\n" in mail.body
    assert f"{PUBLIC_URL}/register/professional\n" in mail.body

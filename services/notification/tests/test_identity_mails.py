"""Mails for identity events: activation with its set-password link, refusal, password
reset, account id reminder."""

from __future__ import annotations

from datetime import UTC, datetime

from jes.identity.v1 import identity_pb2, verification_pb2
from jes_notification.handlers import delivery_id
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"
LINK_ID = "5b8f2c1e-link"  # identity's one-time link; its token is asked for at send time
# 17:30 UTC on 23 Nov is 01:30 on Sunday 24 Nov in Taipei
EXPIRES = datetime(2024, 11, 23, 17, 30, tzinfo=UTC)
EXPIRES_SHOWN = "民國 113年 11月24日 星期日 01:30:00"
NO_PASSWORD_BY_MAIL = "為保護您的帳號安全，本系統不會以電子郵件寄送密碼。\n"


def envelope_of(payload, event_id: str | None = None):
    return make_envelope(payload, source="identity", subject="subject-1", event_id=event_id)


def application(**overrides) -> identity_pb2.FirmApplication:
    fields = {
        "id": "app-1",
        "court_code": "TPD",
        "company_name": "大華不動產估價師事務所",
        "contact_person": "王大明",
        "email": "wang@example.com",
        "phone": "02-2345-6789",
        "status": identity_pb2.APPLICATION_STATUS_ACTIVATED,
        "account_id": "TPDF0001",
        "decided_by": "TPDCLERK",
    }
    fields.update(overrides)
    app = identity_pb2.FirmApplication(**fields)
    app.created_at.FromDatetime(datetime(2024, 11, 20, 17, 30, tzinfo=UTC))
    return app


def activated() -> identity_pb2.FirmAccountActivated:
    event = identity_pb2.FirmAccountActivated(
        application=application(), account_id="TPDF0001", set_password_link_id=LINK_ID
    )
    event.token_expires_at.FromDatetime(EXPIRES)
    return event


def refused(reason: str = "未檢附不動產估價師開業證書") -> identity_pb2.FirmApplicationRefused:
    return identity_pb2.FirmApplicationRefused(
        application=application(
            status=identity_pb2.APPLICATION_STATUS_REFUSED, account_id="", refusal_reason=reason
        )
    )


def reset_requested() -> identity_pb2.PasswordResetRequested:
    event = identity_pb2.PasswordResetRequested(
        account_id="TPDF0001",
        email="contact@dahua.example",
        display_name="大華不動產估價師事務所",
        link_id=LINK_ID,
    )
    event.expires_at.FromDatetime(EXPIRES)
    return event


# -- activation -----------------------------------------------------------------------------


def sent_body(sender, transport) -> str:
    """Send what is queued; the body of the one mail that went out."""
    assert sender.run_once() == 1
    [message] = transport.sent
    return str(message.get_content())


def test_activation_mails_the_account_id_and_a_one_time_link(service, sender, transport):
    envelope = envelope_of(activated())
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.link_id == LINK_ID
    assert mail.recipient == "wang@example.com"
    assert mail.template == "firm_account_activated"
    assert mail.subject == "【司法院】鑑估價公司帳號已啟用，請設定密碼"
    assert mail.id == delivery_id(envelope.id, "wang@example.com")
    assert mail.body.startswith("王大明 您好：\n")
    assert "大華不動產估價師事務所 申請的" in mail.body
    assert "臺灣臺北地方法院審核通過並啟用" in mail.body
    assert "帳號：TPDF0001\n" in mail.body
    assert f"請於 {EXPIRES_SHOWN} 前，開啟下列連結設定密碼" in mail.body
    assert f"{PUBLIC_URL}/password/forgot" in mail.body
    assert NO_PASSWORD_BY_MAIL in mail.body
    # the token is asked of identity when the mail goes out, and is only in the mail
    body = sent_body(sender, transport)
    [token] = service.identity.issued_tokens
    assert f"\n{PUBLIC_URL}/password/set?token={token}\n" in body
    assert token not in service.delivery(mail.id).body
    assert body == mail.body.replace("{one-time-token}", token)


def test_activation_mail_holds_no_password(service, sender, transport):
    service.handle(envelope_of(activated()))
    body = sent_body(sender, transport)
    assert "密碼：" not in body  # no "password: ..." line, only the link
    assert body.count(service.identity.issued_tokens[0]) == 1


def test_activation_handled_twice_is_one_mail(service):
    envelope = envelope_of(activated())
    service.handle(envelope)
    service.handle(envelope)
    assert len(service.deliveries()) == 1


# -- refusal --------------------------------------------------------------------------------


def test_refusal_mails_the_reason(service):
    service.handle(envelope_of(refused()))
    [mail] = service.deliveries()
    assert mail.recipient == "wang@example.com"
    assert mail.template == "firm_application_refused"
    assert mail.subject == "【司法院】鑑估價公司帳號申請未通過"
    assert mail.body.startswith("您好：\n")  # no name the applicant typed (see test_handlers)
    assert "大華不動產估價師事務所" not in mail.body and "王大明" not in mail.body
    assert "經臺灣臺北地方法院審核未通過" in mail.body
    assert "申請日期：民國 113年 11月21日 星期四\n" in mail.body
    assert "未通過理由：未檢附不動產估價師開業證書\n" in mail.body


def test_refusal_reason_is_not_html_escaped(service):
    service.handle(envelope_of(refused("缺少 <登記證> & 執照")))
    assert "未通過理由：缺少 <登記證> & 執照\n" in service.deliveries()[0].body


# -- password reset -------------------------------------------------------------------------


def test_reset_mails_a_one_hour_link_to_the_accounts_address(service, sender, transport):
    envelope = envelope_of(reset_requested())
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.link_id == LINK_ID
    assert mail.recipient == "contact@dahua.example"
    assert mail.template == "password_reset_requested"
    assert mail.subject == "【司法院】重新設定密碼"
    assert mail.body.startswith("大華不動產估價師事務所 您好：\n")
    assert "帳號 TPDF0001 密碼" in mail.body
    assert f"請於 {EXPIRES_SHOWN} 前（1 小時內）" in mail.body
    assert "如果您沒有提出這項申請，請忽略本信件" in mail.body
    assert NO_PASSWORD_BY_MAIL in mail.body
    assert "密碼：" not in mail.body
    service.handle(envelope)
    assert len(service.deliveries()) == 1
    body = sent_body(sender, transport)
    [token] = service.identity.issued_tokens
    assert f"\n{PUBLIC_URL}/password/set?token={token}\n" in body
    assert token not in service.delivery(mail.id).body


# -- account id reminder --------------------------------------------------------------------


def test_reminder_lists_every_account_id(service):
    event = identity_pb2.AccountIdReminderRequested(
        email="shared@example.com", account_ids=["KLDF0003", "TPDF0001"]
    )
    envelope = envelope_of(event)
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.recipient == "shared@example.com"
    assert mail.template == "account_id_reminder"
    assert mail.subject == "【司法院】您的帳號"
    assert mail.id == delivery_id(envelope.id, "shared@example.com")
    assert "以電子郵件 shared@example.com 登記之帳號" in mail.body
    assert "帳號：KLDF0003\n帳號：TPDF0001\n" in mail.body
    assert f"登入：{PUBLIC_URL}/login\n" in mail.body
    assert "密碼：" not in mail.body


def test_reminder_without_accounts_queues_nothing(service):
    service.handle(envelope_of(identity_pb2.AccountIdReminderRequested(email="x@example.com")))
    assert service.deliveries() == []


# -- the running service consumes these events ----------------------------------------------


def test_the_built_service_maps_every_identity_event(service):
    mapped = {t.DESCRIPTOR.full_name for t in service.handlers.mapping()}
    assert {
        "jes.identity.v1.FirmAccountActivated",
        "jes.identity.v1.FirmApplicationRefused",
        "jes.identity.v1.PasswordResetRequested",
        "jes.identity.v1.AccountIdReminderRequested",
    } <= mapped


# -- e-mail verification codes ---------------------------------------------------------------


def code_requested(**overrides) -> verification_pb2.VerificationCodeRequested:
    fields = {
        "code_id": "c0de-1",
        "email": "new.user@example.com",
        "purpose": verification_pb2.VERIFICATION_PURPOSE_REGISTRATION,
    }
    fields.update(overrides)
    event = verification_pb2.VerificationCodeRequested(**fields)
    event.expires_at.FromDatetime(EXPIRES)
    return event


def test_a_code_mail_gets_its_code_from_identity_when_sent(service, sender, transport):
    service.handle(envelope_of(code_requested()))
    [mail] = service.deliveries()
    assert (mail.recipient, mail.link_id) == ("new.user@example.com", "c0de-1")
    assert mail.subject == "【司法院】電子郵件認證碼"
    assert "您的電子郵件認證碼（註冊驗證電子郵件）" in mail.body
    assert f"請於 {EXPIRES_SHOWN} 前（10 分鐘內）輸入此認證碼" in mail.body
    body = sent_body(sender, transport)
    [code] = service.identity.issued_codes
    assert f"\n    {code}\n" in body
    assert code not in service.delivery(mail.id).body  # only in the mail
    assert service.identity.issued_tokens == []  # not a link


def test_a_code_identity_no_longer_gives_voids_the_mail(service, sender, transport):
    service.identity.gone_links.add("c0de-1")
    service.handle(envelope_of(code_requested(account_id="TPDF0001")))
    assert sender.run_once() == 1
    assert transport.sent == []
    [mail] = service.deliveries()
    assert mail.status != "queued"


def test_an_email_change_tells_the_old_address(service):
    event = verification_pb2.EmailChanged(
        account_id="TPDF0001",
        display_name="大華不動產估價師事務所",
        old_email="old@dahua.example",
        new_email="new.box@dahua.example",
    )
    event.changed_at.FromDatetime(EXPIRES)
    service.handle(envelope_of(event))
    [mail] = service.deliveries()
    assert mail.recipient == "old@dahua.example"
    assert mail.subject == "【司法院】您的帳號電子郵件已變更"
    assert f"已於 {EXPIRES_SHOWN} 變更為 n****@dahua.example" in mail.body
    assert "new.box@" not in mail.body
    assert f"{PUBLIC_URL}/password/forgot" in mail.body


def test_a_first_address_tells_no_one(service):
    """A judge's account made by single sign-on has no address until its first one is
    verified: there is no old address to tell (a mail to "" would fail for ever)."""
    event = verification_pb2.EmailChanged(
        account_id="JABCDEFGHJ",
        display_name="王大明",
        old_email="",
        new_email="judge.wang@courts.test",
    )
    event.changed_at.FromDatetime(EXPIRES)
    service.handle(envelope_of(event))
    assert service.deliveries() == []

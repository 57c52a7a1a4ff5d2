"""Event handlers: which mails each event queues, to whom, and with what text."""

from __future__ import annotations

from datetime import UTC, datetime

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes.identity.v1 import identity_pb2
from jes.review_workflow.v1 import review_workflow_pb2
from jes_db import utcnow
from jes_notification.domain.case_notices import BATCH_WINDOW
from jes_notification.domain.mails import Links
from jes_notification.handlers import delivery_id
from jes_notification.notice_composing import compose_due
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"


def envelope_of(payload, event_id: str | None = None):
    return make_envelope(payload, source="test", subject="subject-1", event_id=event_id)


def firm_applied(**overrides) -> identity_pb2.FirmAccountApplied:
    fields = {
        "id": "app-1",
        "court_code": "TPD",
        "company_name": "大華不動產估價師事務所",
        "contact_person": "王大明",
        "email": "wang@example.com",
        "phone": "02-2345-6789",
        "status": identity_pb2.APPLICATION_STATUS_PENDING,
    }
    fields.update(overrides)
    application = identity_pb2.FirmApplication(**fields)
    # 17:30 UTC on 20 Nov is already 21 Nov in Taipei
    application.created_at.FromDatetime(datetime(2024, 11, 20, 17, 30, tzinfo=UTC))
    return identity_pb2.FirmAccountApplied(application=application)


def review_requested(court_code: str = "TPD") -> review_workflow_pb2.ReviewRequested:
    submission = review_workflow_pb2.Submission(
        id="sub-1",
        photo_set_id="set-1",
        court_code=court_code,
        case_number="107年度司執字第999號",
        report_id="rep-1",
        fingerprint="f" * 64,
        state="pending",
    )
    submission.submitted_at.FromDatetime(datetime(2024, 11, 20, 6, 5, 9, tzinfo=UTC))
    return review_workflow_pb2.ReviewRequested(submission=submission)


def progress_added(followers: list[str]) -> case_events_pb2.ProgressEntryAdded:
    return case_events_pb2.ProgressEntryAdded(
        case_id="case-1",
        case=cases_pb2.CaseKey(
            court_code="KLD",
            category=cases_pb2.CASE_CATEGORY_CIVIL,
            year=113,
            word="訴",
            number=999,
        ),
        entry=cases_pb2.ProgressEntry(
            source_entry_id="e-1", posted_on="2024-11-20", item="定期言詞辯論"
        ),
        follower_emails=followers,
    )


# -- firm application ---------------------------------------------------------------------


def test_firm_application_is_acknowledged_to_the_applicant(service):
    envelope = envelope_of(firm_applied())
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.recipient == "wang@example.com"
    assert mail.template == "firm_application_received"
    assert mail.subject == "【司法院】鑑估價公司帳號申請已受理"
    assert mail.status == "queued"
    assert mail.event_id == envelope.id
    assert mail.id == delivery_id(envelope.id, "wang@example.com")
    assert mail.body.startswith("您好：\n")
    assert "受理法院：臺灣臺北地方法院\n" in mail.body
    assert "申請編號：app-1\n" in mail.body
    assert "申請日期：民國 113年 11月21日 星期四\n" in mail.body


def test_the_acknowledgement_carries_nothing_the_applicant_typed(service):
    """Anyone may apply naming any address: the court's mail to it says only fixed text, the
    court's name and the application's id and date, never the applicant's own text or links."""
    typed = {
        "company_name": "免費中獎 https://phish.example/領獎 <a href=x>",
        "contact_person": "請點 www.phish.example 王大明",
        "phone": "http://phish.example",
    }
    service.handle(envelope_of(firm_applied(**typed)))
    [mail] = service.deliveries()
    for text in typed.values():
        assert text not in mail.body and text not in mail.subject
    assert "phish" not in mail.body and "http" not in mail.body and "www." not in mail.body


def test_the_refusal_carries_nothing_the_applicant_typed(service):
    """A refusal goes to the address the applicant typed too: the court's name, the
    application's id and date and the clerk's reason, never the applicant's own text."""
    typed = {
        "company_name": "免費中獎 https://phish.example/領獎 <a href=x>",
        "contact_person": "請點 www.phish.example 王大明",
        "phone": "http://phish.example",
    }
    refused = identity_pb2.FirmApplicationRefused(application=firm_applied(**typed).application)
    refused.application.refusal_reason = "資料不符"
    service.handle(envelope_of(refused))
    [mail] = service.deliveries()
    for text in typed.values():
        assert text not in mail.body and text not in mail.subject
    assert "phish" not in mail.body and "http" not in mail.body and "www." not in mail.body
    assert "未通過理由：資料不符\n" in mail.body and "申請編號：app-1\n" in mail.body


def test_names_are_not_html_escaped(service):
    activated = identity_pb2.FirmAccountActivated(
        application=firm_applied().application, account_id="TPDF0001", set_password_link_id="link-1"
    )
    activated.application.company_name = "A&B <估價>"
    service.handle(envelope_of(activated))
    assert "A&B <估價>" in service.deliveries()[0].body


# -- review requested ---------------------------------------------------------------------


def test_review_request_is_mailed_to_every_clerk_of_the_court(service):
    service.identity.add_clerk("TPD", "lin@tpd.example", "林書記官")
    service.identity.add_clerk("TPD", "chen@tpd.example", "陳書記官")
    service.identity.add_clerk("KLD", "kld@kld.example", "基隆書記官")
    service.handle(envelope_of(review_requested("TPD")))

    [request] = service.identity.requests
    assert (request.court_code, request.role) == ("TPD", "clerk")
    mails = {m.recipient: m for m in service.deliveries()}
    assert set(mails) == {"lin@tpd.example", "chen@tpd.example"}
    lin = mails["lin@tpd.example"]
    assert lin.template == "review_requested"
    assert lin.subject == "【司法院】鑑估報告照片待審核：107年度司執字第999號"
    assert lin.body.startswith("林書記官 您好：\n")
    assert "案號：107年度司執字第999號\n" in lin.body
    assert "送出時間：民國 113年 11月20日 星期三 14:05:09\n" in lin.body
    assert f"請登入系統審核：{PUBLIC_URL}/court/reviews\n" in lin.body
    assert mails["chen@tpd.example"].body.startswith("陳書記官 您好：\n")


def test_review_request_for_a_court_without_clerks_queues_nothing(service):
    service.handle(envelope_of(review_requested("PHD")))
    assert service.deliveries() == []


# -- progress entry -----------------------------------------------------------------------


def test_progress_entry_is_mailed_to_every_follower(service):
    service.handle(envelope_of(progress_added(["a@example.com", "b@example.com"])))
    compose_due(service.kit.db, Links(PUBLIC_URL), utcnow() + BATCH_WINDOW)
    mails = service.deliveries()
    assert sorted(m.recipient for m in mails) == ["a@example.com", "b@example.com"]
    mail = mails[0]
    assert mail.template == "case_progress"
    assert mail.subject == "【司法院】案件進度更新：113.訴.000999"
    assert "法院：臺灣基隆地方法院\n" in mail.body
    assert "案類：民事\n案號：113.訴.000999（113年度訴字第999號）\n" in mail.body
    assert "登載日期：113/11/20\n" in mail.body  # the ROC date
    assert "登載事項：定期言詞辯論\n" in mail.body
    assert f"查看案件進度：{PUBLIC_URL}/cases/case-1\n" in mail.body


def test_progress_entry_without_followers_queues_nothing(service):
    service.handle(envelope_of(progress_added([])))
    compose_due(service.kit.db, Links(PUBLIC_URL), utcnow() + BATCH_WINDOW)
    assert service.deliveries() == []


# -- one mail per event and recipient -----------------------------------------------------


def test_the_same_envelope_handled_twice_queues_one_delivery(service):
    envelope = envelope_of(firm_applied(email="a@example.com"))
    service.handle(envelope)
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.id == delivery_id(envelope.id, "a@example.com")


def test_another_event_to_the_same_recipient_is_another_mail(service):
    # (progress entries are keyed by entry, not by event: test_progress_notices.py)
    service.handle(envelope_of(firm_applied(email="a@example.com")))
    service.handle(envelope_of(firm_applied(email="a@example.com")))
    assert len(service.deliveries()) == 2


def test_delivery_id_is_stable_and_ignores_the_recipients_case():
    assert delivery_id("e-1", "A@Example.com") == delivery_id("e-1", "a@example.com")
    assert delivery_id("e-1", "a@example.com") != delivery_id("e-2", "a@example.com")
    assert delivery_id("e-1", "a@example.com") != delivery_id("e-1", "b@example.com")


def test_replaying_an_event_after_its_mail_was_sent_does_not_send_it_again(service, sender):
    envelope = envelope_of(firm_applied())
    service.handle(envelope)
    assert sender.run_once() == 1
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.status == "sent"
    assert sender.run_once() == 0

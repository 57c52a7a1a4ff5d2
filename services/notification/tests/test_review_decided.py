"""ReviewDecided: the firm is mailed the court's decision on its print."""

from __future__ import annotations

from datetime import UTC, datetime

from jes.identity.v1 import identity_pb2
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_notification.handlers import delivery_id
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"


def decided(
    state: str,
    reasons=(),
    note: str = "",
    email: str = "dahua@example.com",
    account_id: str = "KLDF001",
):
    submission = pb.Submission(
        id="sub-1",
        photo_set_id="set-1",
        court_code="KLD",
        case_number="113年度司執字第999號",
        state=state,
        batch=2,
        firm_name="大華不動產估價師事務所",
        firm_account_id=account_id,
        firm_email=email,
        decided_by="KLDCLERK",
        note=note,
        reasons=list(reasons),
    )
    # 16:30 UTC is 00:30 the next day in Taipei
    submission.decided_at.FromDatetime(datetime(2024, 11, 20, 16, 30, 5, tzinfo=UTC))
    payload = pb.ReviewDecided(submission=submission)
    return make_envelope(payload, source="review-workflow", subject="sub-1")


def test_approval_is_mailed_to_the_firm(service):
    envelope = decided("approved")
    service.handle(envelope)
    [mail] = service.deliveries()
    assert mail.recipient == "dahua@example.com"
    assert mail.id == delivery_id(envelope.id, "dahua@example.com")
    assert mail.template == "review_approved"
    assert mail.subject == "【司法院】鑑估報告照片已通過審核：113年度司執字第999號"
    assert mail.body == (
        "大華不動產估價師事務所 您好：\n"
        "\n"
        "貴公司列印送出的鑑估報告照片已通過審核，照片已鎖定並開放民眾查詢。\n"
        "法院：臺灣基隆地方法院\n"
        "案號：113年度司執字第999號\n"
        "批次：2\n"
        "審核時間：民國 113年 11月21日 星期四 00:30:05\n"
        "\n"
        "本信件由系統自動發送，請勿直接回覆。\n"
    )


def test_approval_note_is_included(service):
    service.handle(decided("approved", note="照片完整清楚"))
    assert "法院說明：照片完整清楚\n" in service.deliveries()[0].body


def test_rejection_lists_each_photo_with_its_reason_and_how_to_fix_it(service):
    reasons = [
        pb.PhotoReason(
            photo_id="p-3", sequence=3, reason_code="other", label="其他", text="門牌被遮住"
        ),
        pb.PhotoReason(photo_id="p-1", sequence=1, reason_code="blurry", label="照片模糊不清"),
    ]
    service.handle(decided("rejected", reasons=reasons, note="請於七日內補正"))
    [mail] = service.deliveries()
    assert mail.template == "review_rejected"
    assert mail.subject == "【司法院】鑑估報告照片未通過審核：113年度司執字第999號"
    assert mail.body == (
        "大華不動產估價師事務所 您好：\n"
        "\n"
        "貴公司列印送出的鑑估報告照片未通過審核。\n"
        "法院：臺灣基隆地方法院\n"
        "案號：113年度司執字第999號\n"
        "批次：2\n"
        "審核時間：民國 113年 11月21日 星期四 00:30:05\n"
        "\n"
        "未通過的照片：\n"
        "序號 1：照片模糊不清\n"
        "序號 3：其他：門牌被遮住\n"
        "法院說明：請於七日內補正\n"
        "\n"
        "請至「維護未通過審核照片」修正後重新列印，列印後即重新送交法院審核：\n"
        f"{PUBLIC_URL}/photos/rejected\n"
        "本信件由系統自動發送，請勿直接回覆。\n"
    )


def test_the_same_decision_delivered_twice_is_one_mail(service):
    envelope = decided("approved")
    service.handle(envelope)
    service.handle(envelope)
    assert len(service.deliveries()) == 1


def test_a_print_without_an_address_is_mailed_to_the_firms_account_address(service):
    service.identity.accounts["KLDF001"] = identity_pb2.Account(
        account_id="KLDF001", email="office@dahua.example"
    )
    service.handle(decided("approved", email=""))
    [mail] = service.deliveries()
    assert mail.recipient == "office@dahua.example"
    [request] = service.identity.requests
    assert request.account_id == "KLDF001"


def test_no_address_and_no_account_mails_nobody(service):
    service.handle(decided("approved", email="", account_id=""))
    assert service.deliveries() == []
    assert service.identity.requests == []

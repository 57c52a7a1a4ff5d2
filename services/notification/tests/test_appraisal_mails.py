"""The appraiser's reminder before a last day: to the address of their portal account,
with ROC dates, once per event however often it is delivered."""

from __future__ import annotations

from jes.identity.v1 import identity_pb2
from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2 as apb
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"


def approaching(account_id: str = "APPR001") -> pb.AppraisalDeadlineApproaching:
    return pb.AppraisalDeadlineApproaching(
        item=pb.WorkItem(
            id="item-1",
            court_code="KLD",
            assignment_id="asg-1",
            appraiser_id="ap-1",
            appraiser_name="甲估價師事務所",
            case_number="113年度司執字第1號",
            division="甲",
            kind=apb.DEADLINE_KIND_REPLY,
            kind_label="回覆本院通知",
            start="2025-01-08",
            days=20,
            last_day="2025-02-03",
            subject="請說明鑑定依據",
            state=pb.WORK_ITEM_STATE_OPEN,
            reminder_sent=True,
        ),
        appraiser_account_id=account_id,
    )


def test_the_appraiser_is_reminded_with_roc_dates_once(service):
    service.identity.accounts["APPR001"] = identity_pb2.Account(
        account_id="APPR001", email="appraiser@example.com", roles=["appraiser"]
    )
    envelope = make_envelope(approaching(), source="review-workflow", subject="item-1")
    service.handle(envelope)
    service.handle(envelope)  # delivered twice: one mail
    [mail] = service.deliveries()
    assert mail.recipient == "appraiser@example.com"
    assert mail.template == "appraisal_deadline_approaching"
    assert mail.subject == "【司法院】鑑定期限將屆：113年度司執字第1號回覆本院通知"
    assert mail.body.startswith("甲估價師事務所 您好：\n")
    assert "法院：臺灣基隆地方法院\n" in mail.body
    assert "案號：113年度司執字第1號（甲股）\n" in mail.body
    assert "事項：回覆本院通知（請說明鑑定依據）\n" in mail.body
    assert "起算日：民國 114年 1月8日 星期三（期間 20 日）\n" in mail.body
    assert "期限：民國 114年 2月3日 星期一\n" in mail.body
    assert f"查看您的鑑定事件：{PUBLIC_URL}/appraisers/my-work\n" in mail.body


def test_no_account_no_mail(service):
    service.handle(
        make_envelope(approaching(account_id=""), source="review-workflow", subject="item-1")
    )
    assert service.deliveries() == []

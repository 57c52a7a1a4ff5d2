"""DisqualificationMatterChanged: the appraiser is mailed, at their portal account's
address, the matter raised against them (the grounds, the evidence and where to reply in
writing) and then the committee's result (disqualified with the bar's end, or not)."""

from __future__ import annotations

from jes.identity.v1 import identity_pb2
from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_protos import make_envelope

PUBLIC_URL = "https://jes.example.gov.tw"
GROUND_15 = (
    "不動產之鑑定，於六個月內所承辦之事件，依其鑑定價格之百分之六十五定底價，"
    "而未能賣出達二次以上，或以其鑑定價格之百分之一百二十賣出達二次以上，而無正當理由"
)


def changed(
    state: int, passed: bool = False, barred_until: str = "", account_id: str = "APPR001"
) -> object:
    matter = pb.CommitteeMatter(
        id="matter-1",
        court_code="KLD",
        kind=pb.COMMITTEE_MATTER_KIND_DISQUALIFICATION,
        subject_id="ap-1",
        subject_name="甲估價師事務所",
        grounds=[15],
        ground_labels=[GROUND_15],
        evidence="2026-10-21 底價 65% 未拍定\n2026-11-20 底價 65% 未拍定",
        state=state,
        passed=passed,
    )
    payload = pb.DisqualificationMatterChanged(
        matter=matter, appraiser_account_id=account_id, barred_until=barred_until
    )
    return make_envelope(payload, source="review-workflow", subject="matter-1")


def with_account(service) -> None:  # type: ignore[no-untyped-def]
    service.identity.accounts["APPR001"] = identity_pb2.Account(
        account_id="APPR001", email="appraiser@example.com", roles=["appraiser"]
    )


def test_the_matter_raised_is_mailed_with_its_grounds_and_where_to_reply(service):
    with_account(service)
    service.handle(changed(pb.COMMITTEE_MATTER_STATE_DRAFTED))
    [mail] = service.deliveries()
    assert mail.recipient == "appraiser@example.com"
    assert mail.template == "disqualification_matter_raised"
    assert mail.subject == "【司法院】鑑定人不適任案，請提出書面答辯"
    assert mail.body == (
        "甲估價師事務所 您好：\n"
        "\n"
        "臺灣基隆地方法院民事執行處紀錄科已將您報請鑑定人資格審查小組議決是否不適任，事由如下：\n"
        "\n"
        f"第15款：{GROUND_15}\n"
        "\n"
        "相關資料：\n"
        "2026-10-21 底價 65% 未拍定\n"
        "2026-11-20 底價 65% 未拍定\n"
        "\n"
        "請於提付審查小組前提出書面答辯：\n"
        f"{PUBLIC_URL}/committee/matters/matter-1/reply\n"
        "\n"
        "本信件由系統自動發送，請勿直接回覆。\n"
    )


def test_the_result_is_mailed_with_the_bar(service):
    with_account(service)
    service.handle(changed(pb.COMMITTEE_MATTER_STATE_DECIDED, True, "2029-11-29"))
    [mail] = service.deliveries()
    assert mail.template == "disqualification_matter_decided"
    assert mail.subject == "【司法院】鑑定人資格審查小組議決結果：不適任"
    assert (
        "經鑑定人資格審查小組議決為不適任（第十二點第15款），自即日起不再依輪次選任；"
        "民國 118年 11月29日 星期四以前不得向本院申請列為鑑定人。\n"
    ) in mail.body


def test_a_matter_that_did_not_pass_is_mailed_too(service):
    with_account(service)
    service.handle(changed(pb.COMMITTEE_MATTER_STATE_DECIDED, False))
    [mail] = service.deliveries()
    assert mail.subject == "【司法院】鑑定人資格審查小組議決結果：未議決不適任"
    assert "經鑑定人資格審查小組議決，未達不適任，您仍在本院鑑定人名冊。\n" in mail.body


def test_voting_is_not_mailed_nor_an_appraiser_without_an_account(service):
    with_account(service)
    service.handle(changed(pb.COMMITTEE_MATTER_STATE_VOTING))
    service.handle(changed(pb.COMMITTEE_MATTER_STATE_DRAFTED, account_id=""))
    assert service.deliveries() == []

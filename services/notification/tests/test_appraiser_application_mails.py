"""AppraiserApplicationChanged: the applicant is mailed, at their account's address, that
an incomplete application is not considered (with each missing document), or the
committee's result."""

from __future__ import annotations

from jes.identity.v1 import identity_pb2
from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2
from jes_protos import make_envelope


def changed(state: int, missing: tuple[str, ...] = (), category: int = 2):
    application = pb.AppraiserApplication(
        id="app-1",
        court_code="KLD",
        applicant_account_id="KLDF101",
        applicant_type="firm",
        applicant_type_label="鑑定估價公司、商號或其他法人團體",
        name="基隆鑑定股份有限公司",
        state=state,
        missing=list(missing),
        category=category,
    )
    payload = pb.AppraiserApplicationChanged(application=application)
    return make_envelope(payload, source="review-workflow", subject="app-1")


def with_account(service) -> None:  # type: ignore[no-untyped-def]
    service.identity.accounts["KLDF101"] = identity_pb2.Account(
        account_id="KLDF101", email="office@keelung-appraisal.example"
    )


def test_qualified_is_mailed_to_the_applicants_account(service):
    with_account(service)
    service.handle(changed(pb.APPRAISER_APPLICATION_STATE_QUALIFIED))
    [mail] = service.deliveries()
    assert mail.recipient == "office@keelung-appraisal.example"
    assert mail.subject == "【司法院】鑑定人資格評選合格，已列入鑑定人名冊"
    assert mail.body == (
        "基隆鑑定股份有限公司 您好：\n"
        "\n"
        "您向臺灣基隆地方法院申請列為鑑定人（鑑定估價公司、商號或其他法人團體），"
        "經鑑定人資格審查小組評選合格，已列入本院動產及其他財產鑑定人名冊，將依輪次選任。\n"
        "申請案編號：app-1\n"
        "本信件由系統自動發送，請勿直接回覆。\n"
    )


def test_refused_is_mailed(service):
    with_account(service)
    service.handle(
        changed(
            pb.APPRAISER_APPLICATION_STATE_REFUSED,
            category=appraisers_pb2.APPRAISER_CATEGORY_REAL_ESTATE,
        )
    )
    [mail] = service.deliveries()
    assert mail.subject == "【司法院】鑑定人資格評選未通過"
    assert "經鑑定人資格審查小組評選，未獲通過。\n" in mail.body


def test_not_considered_lists_each_missing_document(service):
    with_account(service)
    missing = (
        "未附：申請書",
        "不足：具鑑定估價經驗之證明（包括委託鑑定之文件及五件鑑定報告）（須 5 件，僅附 3 件）",
    )
    service.handle(changed(pb.APPRAISER_APPLICATION_STATE_NOT_CONSIDERED, missing))
    [mail] = service.deliveries()
    assert mail.subject == "【司法院】鑑定人申請文件不全，不列入評選"
    assert (
        "未備齊的文件：\n"
        "未附：申請書\n"
        "不足：具鑑定估價經驗之證明（包括委託鑑定之文件及五件鑑定報告）（須 5 件，僅附 3 件）\n"
        "\n如欲再申請"
    ) in mail.body


def test_handed_in_complete_mails_nobody_and_asks_nobody(service):
    service.handle(changed(pb.APPRAISER_APPLICATION_STATE_SUBMITTED))
    assert service.deliveries() == []
    assert service.identity.requests == []

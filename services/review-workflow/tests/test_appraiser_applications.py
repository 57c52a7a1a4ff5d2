"""Applications to be listed as an appraiser (seed 003, points 2 to 4), on review-workflow
built by its own build(): each type's six documents into the object store, checked by
content; the office rules among applicants; an incomplete application not considered,
with each missing document named; bad input refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import grpc
import pytest
from sqlalchemy import func, select

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_review_workflow.application_models import ApplicationDocumentRow, AppraiserApplicationRow
from jes_review_workflow.appraisal import applications
from jes_review_workflow.appraisal.common import today
from jes_review_workflow.models import Appraiser
from jes_zhtw.roc import format_roc_date
from support.images import gif, jpeg, png

from .applicants import (
    FIRM_ITEMS,
    LICENSED_ITEMS,
    applicant,
    complete_application,
    complete_documents,
    national_id,
    pdf,
    refused,
    staff_member,
    start,
    upload,
    years_before,
)
from .conftest import ReviewService

EXPERIENCE = "具鑑定估價經驗之證明（包括委託鑑定之文件及五件鑑定報告）"


def objects(service: ReviewService) -> list[Path]:
    folder = Path(service.kit.config.platform.data_dir) / "objects" / "appraiser-documents"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def rows(service: ReviewService, table: type) -> int:
    with service.kit.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_firm_hands_in_its_six_documents_and_the_records_chief_sees_it(
    service: ReviewService,
):
    firm = applicant(service, "KLDF001")
    draft = start(firm)
    assert draft.state == pb.APPRAISER_APPLICATION_STATE_DRAFT
    assert [r.item for r in draft.required] == FIRM_ITEMS
    assert {r.item: r.min_files for r in draft.required}["experience"] == 5
    complete_documents(firm, draft.id, FIRM_ITEMS)
    assert len(objects(service)) == 10  # five items once, the experience proof five times

    # a draft is the applicant's own until handed in
    chief = staff_member(service, "records-chief")
    assert not chief.stub.ListAppraiserApplications(
        pb.ListAppraiserApplicationsRequest()
    ).applications

    handed_in = firm.stub.SubmitAppraiserApplication(
        pb.SubmitAppraiserApplicationRequest(application_id=draft.id)
    )
    assert handed_in.state == pb.APPRAISER_APPLICATION_STATE_SUBMITTED
    assert list(handed_in.missing) == []
    assert handed_in.category == 2  # 動產及其他財產: firms appraise other than real estate
    [seen] = chief.stub.ListAppraiserApplications(
        pb.ListAppraiserApplicationsRequest()
    ).applications
    assert seen.id == draft.id and len(seen.documents) == 10
    assert {d.content_type for d in seen.documents} == {"application/pdf", "image/jpeg"}
    assert all("/objects/appraiser-documents/KLD/" in d.url for d in seen.documents)
    # an event carries no links (they expire; anyone reading the bus would hold them)
    [(_, handed)] = service.events(pb.AppraiserApplicationChanged)
    assert [d.url for d in handed.application.documents] == [""] * 10
    # another court's records chief does not see it
    other = staff_member(service, "records-chief", court="TPD")
    assert not other.stub.ListAppraiserApplications(
        pb.ListAppraiserApplicationsRequest()
    ).applications
    error = refused(
        other.stub.GetAppraiserApplication,
        pb.GetAppraiserApplicationRequest(application_id=draft.id),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_an_incomplete_application_is_not_considered_and_says_what_is_missing(
    service: ReviewService,
):
    appraiser = applicant(service, "KLDP001", role="professional")
    draft = start(appraiser, applicant_type="real_estate_appraiser", name="林估價師")
    upload(appraiser, draft.id, "application", pdf())
    for _ in range(3):
        upload(appraiser, draft.id, "experience", png())
    handed_in = appraiser.stub.SubmitAppraiserApplication(
        pb.SubmitAppraiserApplicationRequest(application_id=draft.id)
    )
    assert handed_in.state == pb.APPRAISER_APPLICATION_STATE_NOT_CONSIDERED
    assert list(handed_in.missing) == [
        "未附：主管機關核發之不動產估價師證書影本",
        "未附：不動產估價師開業證書影本",
        "未附：加入本院轄區或臺北市、新北市、宜蘭縣不動產估價師公會會員證書影本",
        f"不足：{EXPERIENCE}（須 5 件，僅附 3 件）",
        "未附：使用自動付款機（ATM）轉帳繳費時之銀行代號及轉帳代號",
    ]
    assert handed_in.category == 1  # 不動產
    # nothing more can be added: the court need not ask for more (point 4 III)
    error = refused(upload, appraiser, draft.id, "certificate", pdf())
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "申請已送出，不能再變更"


def test_a_file_that_is_no_pdf_or_image_is_refused_by_its_content_and_nothing_is_kept(
    service: ReviewService,
):
    architect = applicant(service, "KLDA001", role="member")
    draft = start(architect, applicant_type="architect", name="陳建築師")
    assert [r.item for r in draft.required] == LICENSED_ITEMS
    before = rows(service, ApplicationDocumentRow)
    for content, name, problem in [
        (
            b"just text, not a PDF",
            "申請書.pdf",
            "檔案內容不是 PDF 或圖片（JPEG、PNG），請上傳 PDF 或圖片檔",
        ),
        (gif(), "scan.png", "檔案內容不是 PDF 或圖片（JPEG、PNG），請上傳 PDF 或圖片檔"),
        (pdf()[:200], "cut.pdf", "PDF 檔案已損壞或沒有任何頁面，請重新上傳"),
        (jpeg(400, 300)[:300], "cut.jpg", "圖片檔案已損壞，請重新上傳"),
        (b"", "empty.pdf", "請選擇要上傳的檔案"),
    ]:
        error = refused(upload, architect, draft.id, "application", content, name)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
        assert error.details() == problem, name
    assert rows(service, ApplicationDocumentRow) == before
    assert objects(service) == []
    # a real PDF named .txt is a PDF: the name decides nothing
    reply = upload(architect, draft.id, "application", pdf(2), "申請書.txt")
    assert [d.content_type for d in reply.documents] == ["application/pdf"]
    # an item the type does not have
    error = refused(upload, architect, draft.id, "staff_roster", pdf())
    assert error.details() == "建築師申請無此項文件"


def test_an_unknown_court_or_an_office_outside_the_area_is_refused_with_nothing_recorded(
    service: ReviewService,
):
    firm = applicant(service, "KLDF002")
    error = refused(start, firm, court="XXX")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "此法院尚未設定鑑定人作業規定"
    error = refused(start, firm, address="臺中市西區民權路1號")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "事務所須設於本院轄區內或臺北市、新北市、宜蘭縣"
    assert rows(service, AppraiserApplicationRow) == 0
    # the neighbouring cities (台 written either way) are fine
    assert start(firm, address="台北市中正區重慶南路一段1號").office.address.startswith("臺北市")
    other = applicant(service, "KLDF003")
    assert start(other, address="宜蘭縣宜蘭市中山路1號", phone="03-932-0001").id


def test_a_firm_needs_two_years_of_experience(service: ReviewService):
    two_years_ago = years_before(today(), 2)
    firm = applicant(service, "KLDF004")
    a_day_short = two_years_ago + timedelta(days=1)
    error = refused(start, firm, business_since=a_day_short.isoformat())
    assert (
        error.details()
        == "鑑定估價公司、商號或其他法人團體須有2年以上鑑定估價經驗（請填寫登記日期）"
    )
    assert start(firm, business_since=two_years_ago.isoformat()).state == (
        pb.APPRAISER_APPLICATION_STATE_DRAFT
    )


def test_not_three_offices_at_one_address(service: ReviewService):
    address = "基隆市信義區信二路100號"
    for n in (1, 2):
        complete_application(
            applicant(service, f"KLDF01{n}"), address=address, phone=f"02-2420-000{n}"
        )
    third = applicant(service, "KLDF013")
    # the same address written with full-width digits and a space
    error = refused(start, third, address="基隆市 信義區信二路１００號", phone="02-2420-0003")
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "同一地址已有2家事務所申請，同址不得有3家（含）以上事務所"
    assert start(third, address="基隆市信義區信二路102號", phone="02-2420-0003").id


def test_each_office_its_own_phone_line(service: ReviewService):
    complete_application(applicant(service, "KLDF021"), phone="02-2465-1234")
    error = refused(
        start,
        applicant(service, "KLDF022"),
        address="基隆市七堵區明德一路1號",
        phone="(02)24651234",
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "此電話已列為其他事務所的電話，每一事務所須有一線自己名下的電話"


def test_one_person_does_not_work_for_two_applicants_in_the_same_business(
    service: ReviewService,
):
    person = ("黃小華", national_id("B", "2"))
    complete_application(applicant(service, "KLDF031"), staff=[person], phone="02-2466-0001")
    error = refused(
        start,
        applicant(service, "KLDF032"),
        address="基隆市暖暖區暖暖街1號",
        phone="02-2466-0002",
        staff=[("李四", national_id()), person],
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "黃小華已為其他申請人從事本院同類鑑定估價業務，不得同時為二申請人工作"
    # real estate is another business: an architect's office may list the same person
    architect = applicant(service, "KLDA032", role="professional")
    assert start(
        architect,
        applicant_type="architect",
        address="基隆市暖暖區暖暖街1號",
        phone="02-2466-0002",
        staff=[person],
    ).id


def test_a_disqualified_appraiser_is_refused_a_new_application_for_three_years(
    service: ReviewService,
):
    bar_ends = today() + timedelta(days=3 * 365)
    with service.kit.db.transaction() as session:
        session.add(
            Appraiser(
                court_code="KLD",
                category="other_property",
                name="舊鑑定公司",
                account_id="KLDF041",
                position=1,
                standing="disqualified",
                until=bar_ends,
                standing_reason="議決不適任",
            )
        )
    error = refused(start, applicant(service, "KLDF041"))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (
        error.details()
        == f"經議決為不適任者，{format_roc_date(bar_ends)}以前不得向本院申請列為鑑定人"
    )


def test_an_applicant_sees_and_changes_only_their_own(service: ReviewService):
    mine = start(applicant(service, "KLDF051"))
    stranger = applicant(service, "KLDF052")
    for call in (
        lambda: upload(stranger, mine.id, "application", pdf()),
        lambda: stranger.stub.SubmitAppraiserApplication(
            pb.SubmitAppraiserApplicationRequest(application_id=mine.id)
        ),
        lambda: stranger.stub.GetAppraiserApplication(
            pb.GetAppraiserApplicationRequest(application_id=mine.id)
        ),
    ):
        error = refused(call)
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert error.details() == "查無此申請案"
    assert objects(service) == []


def test_an_upload_whose_row_does_not_commit_leaves_no_object(
    service: ReviewService, monkeypatch: pytest.MonkeyPatch
):
    """The object is written inside the transaction; a failure after it (here the audit
    record) deletes it again."""
    firm = applicant(service, "KLDF061")
    draft = start(firm)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(applications.audit_log, "record", broken)
    error = refused(upload, firm, draft.id, "application", pdf())
    assert error.code() == grpc.StatusCode.INTERNAL
    assert objects(service) == []
    assert rows(service, ApplicationDocumentRow) == 0

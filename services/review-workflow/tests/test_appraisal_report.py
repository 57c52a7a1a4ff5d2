"""The appraisal report over gRPC (seed 003 point 7), on review-workflow built by its own
build(): the A4 PDF checked by content into the object store, the structured fields,
the 26 items for real estate (5 for other property) from the court's rules, hard stops
and warnings, the photo set of item 13, the fee against the schedule; a refusal keeps
nothing (no row, no file)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import grpc
import pytest
from pypdf import PdfWriter
from sqlalchemy import select

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisal_work_pb2_grpc as pb_grpc
from jes.review_workflow.v1 import appraisers_pb2 as apb
from jes.review_workflow.v1 import appraisers_pb2_grpc as apb_grpc
from jes_grpckit import Client
from jes_review_workflow.work_models import AppraisalReportRow
from support import callers
from support.images import jpeg

from .conftest import ReviewService

RE, OP = apb.APPRAISER_CATEGORY_REAL_ESTATE, apb.APPRAISER_CATEGORY_OTHER_PROPERTY
PRESENT, NA = pb.REPORT_ITEM_ANSWER_PRESENT, pb.REPORT_ITEM_ANSWER_NOT_APPLICABLE
A4, LETTER = (595.28, 841.89), (612, 792)


def pdf(*pages: tuple[float, float]) -> bytes:
    writer = PdfWriter()
    for width, height in pages:
        writer.add_blank_page(width=width, height=height)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def person(
    service: ReviewService, role: str, account: str = "", stub=pb_grpc.AppraisalWorkServiceStub
) -> Client:  # type: ignore[no-untyped-def]
    token = service.issuer.issue(account or f"KLD-{role}", roles=[role], court_code="KLD")
    return callers.client(service.pki, service.addr, stub, token=token)


def refused(call, *args, **kwargs) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def field_problems(error: grpc.RpcError) -> dict[str, str]:
    from jes_grpckit import field_violations

    return field_violations(error)


@pytest.fixture
def cases(service: ReviewService) -> dict[str, str]:
    """One real-estate and one other-property assignment of the appraiser APPR001."""
    chief = person(service, "records-chief", stub=apb_grpc.AppraiserServiceStub)
    clerk = person(service, "clerk", stub=apb_grpc.AppraiserServiceStub)
    found = {}
    for category, number in ((RE, 1), (OP, 2)):
        chief.stub.EnrolAppraiser(
            apb.EnrolAppraiserRequest(
                court_code="KLD", category=category, name="甲估價師事務所", account_id="APPR001"
            )
        )
        found[category] = clerk.stub.AssignAppraiser(
            apb.AssignAppraiserRequest(
                court_code="KLD", category=category, case_number=f"113年度司執字第{number}號"
            )
        ).id
    return {"re": found[RE], "op": found[OP]}


def answers(service: ReviewService, category: int, **overrides: int) -> list[pb.ReportItem]:
    needed = person(service, "appraiser", "APPR001").stub.GetReportRequirements(
        pb.GetReportRequirementsRequest(category=category)
    )
    return [pb.ReportItem(code=i.code, answer=overrides.get(i.code, PRESENT)) for i in needed.items]


def building_report(
    service: ReviewService, assignment_id: str, **fields
) -> pb.SubmitAppraisalReportRequest:  # type: ignore[no-untyped-def]
    request = pb.SubmitAppraisalReportRequest(
        assignment_id=assignment_id,
        pdf=pdf(A4, A4),
        report_date="2025-02-05",
        address="基隆市仁愛區愛一路1號",
        phone="02-2422-1234",
        total_fee=3960,
        items=answers(service, RE),
        photo_set_id="",
        fee_items=[apb.FeeItem(kind=apb.FEE_ITEM_KIND_BUILDING_WITH_LAND, count=1)],
        travel_group="city",
    )
    for name, value in fields.items():
        if name == "items":
            del request.items[:]
            request.items.extend(value)
        else:
            setattr(request, name, value)
    return request


def stored(service: ReviewService, tmp_path: Path) -> tuple[list[AppraisalReportRow], list[Path]]:
    with service.kit.db.transaction() as session:
        rows = list(session.scalars(select(AppraisalReportRow)))
    files = [p for p in (tmp_path / "data" / "objects").rglob("*.pdf")]
    return rows, files


def test_the_requirements_are_the_court_s_26_and_5_items(service: ReviewService, cases):
    appraiser = person(service, "appraiser", "APPR001")
    real_estate = appraiser.stub.GetReportRequirements(pb.GetReportRequirementsRequest(category=RE))
    assert len(real_estate.items) == 26 and real_estate.photo_item == "photos"
    assert (
        real_estate.items[12].number == 13 and "鑑估價照片管理系統" in real_estate.items[12].label
    )
    assert real_estate.items[0].label == "權利標示：含債權人、債務人、抵押權人及他項權利人"
    other = appraiser.stub.GetReportRequirements(pb.GetReportRequirementsRequest(category=OP))
    assert [i.code for i in other.items] == [
        "description_and_rights",
        "basis",
        "value",
        "photos",
        "fee_amount",
    ]


def test_a_complete_report_is_received_with_its_photo_set(
    service: ReviewService, cases, tmp_path: Path
):
    service.publish(
        service.submitted(
            court_code="KLD", year=113, word="司執", number=1, photo_set_id="set-113-1"
        )
    )
    service.consume()
    appraiser = person(service, "appraiser", "APPR001")
    received = appraiser.stub.SubmitAppraisalReport(
        building_report(service, cases["re"], photo_set_id="set-113-1")
    )
    assert (received.pages, received.total_fee, received.fee_allowed) == (2, 3960, 3960)
    assert received.case_number == "113年度司執字第1號" and list(received.warnings) == []
    assert len(received.items) == 26 and received.photo_set_id == "set-113-1"
    rows, files = stored(service, tmp_path)
    assert [r.id for r in rows] == [received.id] and len(files) == 1
    assert files[0].read_bytes()[:5] == b"%PDF-"
    [(_, event)] = service.events(pb.AppraisalReportSubmitted)
    assert event.report.id == received.id

    division = person(service, "clerk").stub.ListAppraisalReports(pb.ListAppraisalReportsRequest())
    assert [r.id for r in division.reports] == [received.id]
    assert division.reports[0].download_url  # short-lived link to the PDF
    other = person(service, "appraiser", "APPR002").stub.ListAppraisalReports(
        pb.ListAppraisalReportsRequest()
    )
    assert list(other.reports) == []


def test_hard_stops_refuse_and_keep_nothing(service: ReviewService, cases, tmp_path: Path):
    appraiser = person(service, "appraiser", "APPR001")
    full = answers(service, RE)
    missing_item = refused(
        appraiser.stub.SubmitAppraisalReport,
        building_report(service, cases["re"], items=[i for i in full if i.code != "basis"]),
    )
    assert missing_item.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert missing_item.details() == "鑑定書欠缺必要記載事項，未能送出"
    assert field_problems(missing_item) == {
        "items.basis": (
            "第 5 項「鑑定依據：對鑑定標的價額判斷之基礎（海砂屋、輻射屋、地震受創、"
            "火災受損等特殊情事務必記載）」未填答"
        ),
        "photo_set_id": "請提供鑑估價照片管理系統的照片集",
    }
    never_na = refused(
        appraiser.stub.SubmitAppraisalReport,
        building_report(
            service,
            cases["re"],
            items=answers(service, RE, value=NA),
            photo_set_id="set-x",
            address="",
            phone="abc",
            report_date="2999-01-01",
        ),
    )
    problems = field_problems(never_na)
    assert problems["items.value"] == "第 6 項「鑑定價值」為必要記載事項"
    assert set(problems) == {"items.value", "address", "phone", "report_date"}
    not_a_pdf = refused(
        appraiser.stub.SubmitAppraisalReport,
        building_report(service, cases["re"], pdf=jpeg(200, 200), photo_set_id="set-x"),
    )
    assert not_a_pdf.details() == "鑑定書須為 PDF 檔"
    letter = refused(
        appraiser.stub.SubmitAppraisalReport,
        building_report(service, cases["re"], pdf=pdf(A4, LETTER), photo_set_id="set-x"),
    )
    assert letter.details() == "鑑定書應以 A4 紙張製作"
    assert field_problems(letter) == {"pdf": "第 2 頁不是 A4 尺寸"}
    someone_else = refused(
        person(service, "appraiser", "APPR002").stub.SubmitAppraisalReport,
        building_report(service, cases["re"], photo_set_id="set-x"),
    )
    assert someone_else.code() == grpc.StatusCode.NOT_FOUND
    assert stored(service, tmp_path) == ([], [])
    assert service.events(pb.AppraisalReportSubmitted) == []


def test_doubtful_items_and_an_unknown_photo_set_are_warnings_to_acknowledge(
    service: ReviewService, cases, tmp_path: Path
):
    appraiser = person(service, "appraiser", "APPR001")
    request = building_report(
        service,
        cases["re"],
        items=answers(service, RE, land_transcripts=NA, parking=NA),
        photo_set_id="set-not-submitted",
    )
    warned = refused(appraiser.stub.SubmitAppraisalReport, request)
    assert warned.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert warned.details() == "鑑定書有待確認的事項，請確認後再送出"
    assert sorted(field_problems(warned).values()) == [
        "照片集尚未送交本院或不屬於本案，請確認照片集連結",
        "第 15 項「土地登記簿謄本、地籍圖謄本及都市計畫使用分區證明（標的為土地時）」"
        "勾選不適用，請確認",
    ]  # parking (21) may be left out without a warning
    assert stored(service, tmp_path) == ([], [])

    request.warnings_acknowledged = True
    received = appraiser.stub.SubmitAppraisalReport(request)
    assert len(received.warnings) == 2


def test_the_fee_against_the_schedule_and_the_officer_s_approval(
    service: ReviewService, cases, tmp_path: Path
):
    appraiser = person(service, "appraiser", "APPR001")
    movables = pb.SubmitAppraisalReportRequest(
        assignment_id=cases["op"],
        pdf=pdf(A4),
        report_date="2025-02-05",
        address="基隆市仁愛區愛一路1號",
        phone="(02)24221234",
        total_fee=1201,
        items=answers(service, OP),
        fee_items=[apb.FeeItem(kind=apb.FEE_ITEM_KIND_MOVABLES, count=1)],
    )
    above = refused(appraiser.stub.SubmitAppraisalReport, movables)
    assert above.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert above.details() == "鑑定費用超過收費標準，須先經承辦司法事務官核可"
    assert field_problems(above) == {"total_fee": "收費標準上限為 1200 元，超過 1 元"}
    assert stored(service, tmp_path) == ([], [])

    movables.total_fee = 1200  # at the ceiling
    assert appraiser.stub.SubmitAppraisalReport(movables).fee_allowed == 1200

    # above the schedule once the officer approved it on the payment order
    officer = person(service, "judicial-officer")
    officer.stub.OrderAppraisalFee(
        pb.OrderAppraisalFeeRequest(
            assignment_id=cases["op"],
            items=[apb.FeeItem(kind=apb.FEE_ITEM_KIND_MOVABLES, count=1)],
            approved=True,
        )
    )
    movables.total_fee = 5000
    assert appraiser.stub.SubmitAppraisalReport(movables).total_fee == 5000


def test_the_report_closes_its_period(service: ReviewService, cases):
    clerk = person(service, "clerk")
    appraiser = person(service, "appraiser", "APPR001")
    clerk.stub.OrderAppraisalFee(
        pb.OrderAppraisalFeeRequest(
            assignment_id=cases["op"],
            items=[apb.FeeItem(kind=apb.FEE_ITEM_KIND_MOVABLES, count=1)],
        )
    )
    period = appraiser.stub.RecordFeePayment(
        pb.RecordFeePaymentRequest(assignment_id=cases["op"], amount=1200)
    )
    appraiser.stub.SubmitAppraisalReport(
        pb.SubmitAppraisalReportRequest(
            assignment_id=cases["op"],
            pdf=pdf(A4),
            report_date="2025-02-05",
            address="基隆市仁愛區愛一路1號",
            phone="02-2422-1234",
            total_fee=1200,
            items=answers(service, OP),
            fee_items=[apb.FeeItem(kind=apb.FEE_ITEM_KIND_MOVABLES, count=1)],
        )
    )
    listed = clerk.stub.ListWorkItems(pb.ListWorkItemsRequest(assignment_id=cases["op"]))
    [report_row] = [i for i in listed.items if i.id == period.id]
    assert report_row.state == pb.WORK_ITEM_STATE_DONE and report_row.done_on

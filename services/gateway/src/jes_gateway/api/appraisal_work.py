"""An assigned appraiser's work for programs: the division records the payment order,
notices, reminders, replies and report errors; the appraiser the payment and a
non-payment; both list the rows with their last days (overdue on request). The
caller's token decides what they see: their court, or an appraiser's own work."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.appraisal_work import (
    AppraisalReport,
    AppraisalReports,
    FeeOrderInput,
    NonPaymentInput,
    NoticeInput,
    PaymentInput,
    ReminderInput,
    ReplyInput,
    ReportError,
    ReportErrorInput,
    ReportForm,
    ReportRequirements,
    ReportsQuery,
    RequirementsQuery,
    WorkItem,
    WorkItems,
    WorkQuery,
)
from jes_gateway.api.spec import answers, api
from jes_gateway.facades import FeeInput, FeeItemInput, ReportSubmission
from jes_gateway.presentation.appraisal_work import REPORT_ITEM_ANSWERS, report_json, work_item_json
from jes_gateway.presentation.vocabulary import APPRAISER_CATEGORIES, FEE_ITEM_KINDS

bp = Blueprint("api_appraisal_work", __name__, url_prefix=PREFIX)
TAG = "鑑定期限"
ASSIGNMENT = {"assignment_id": "選任紀錄代號"}
NOTICE = {"notice_id": "通知的期限項目代號"}


@bp.get("/appraisal-work")
@api.validate(resp=answers(200, WorkItems, 400, 401, 403, 404), tags=[TAG])
def work_items(query: WorkQuery) -> Any:
    """鑑定事件的期限（執行處：本院全部；鑑定人：自己的），依期限先後；可只列已逾期者"""
    listed = services().appraisal_work.items(
        bearer_token(),
        query.court_code,
        overdue_only=query.overdue_only,
        as_of=query.as_of,
        assignment_id=query.assignment_id,
    )
    return jsonify(items=[work_item_json(i) for i in listed.items], as_of=listed.as_of)


@bp.post("/appraisers/assignments/<assignment_id>/fee-order")
@api.validate(
    resp=answers(200, WorkItem, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=ASSIGNMENT,
)
def order_fee(assignment_id: str, json: FeeOrderInput) -> Any:
    """命當事人繳納鑑定費用（五日內；上限依收費標準）"""
    item = services().appraisal_work.order_fee(
        bearer_token(),
        assignment_id,
        json.ordered_on,
        FeeInput(
            items=[FeeItemInput(FEE_ITEM_KINDS[i.kind], i.count, i.adjoining) for i in json.items],
            registry_parcels=json.registry_parcels,
            travel_group=json.travel_group,
            copies=json.copies,
            agreed=json.agreed,
            approved=json.approved,
        ),
    )
    return jsonify(work_item_json(item))


@bp.post("/appraisers/assignments/<assignment_id>/payment")
@api.validate(
    resp=answers(200, WorkItem, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=ASSIGNMENT,
)
def record_payment(assignment_id: str, json: PaymentInput) -> Any:
    """登錄鑑定費用已繳納：回傳送交鑑定書的期限（十日；須附使用分區證明者二十日）"""
    item = services().appraisal_work.record_payment(
        bearer_token(), assignment_id, json.paid_on, json.amount, json.zoning_certificate_needed
    )
    return jsonify(work_item_json(item))


@bp.post("/appraisers/assignments/<assignment_id>/non-payment")
@api.validate(
    resp=answers(200, WorkItem, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=ASSIGNMENT,
)
def report_non_payment(assignment_id: str, json: NonPaymentInput) -> Any:
    """鑑定人陳報當事人未於期限內繳納鑑定費用"""
    item = services().appraisal_work.report_non_payment(bearer_token(), assignment_id, json.note)
    return jsonify(work_item_json(item))


@bp.post("/appraisers/assignments/<assignment_id>/notices")
@api.validate(
    resp=answers(200, WorkItem, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=ASSIGNMENT,
)
def record_notice(assignment_id: str, json: NoticeInput) -> Any:
    """登錄本院通知（鑑定人應於二十日內回覆）"""
    item = services().appraisal_work.record_notice(
        bearer_token(), assignment_id, json.received_on, json.subject
    )
    return jsonify(work_item_json(item))


@bp.post("/appraisal-work/<notice_id>/reminder")
@api.validate(
    resp=answers(200, WorkItem, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=NOTICE,
)
def record_reminder(notice_id: str, json: ReminderInput) -> Any:
    """登錄本院函催（鑑定人應於五日內函覆）"""
    item = services().appraisal_work.record_reminder(bearer_token(), notice_id, json.received_on)
    return jsonify(work_item_json(item))


@bp.post("/appraisal-work/<notice_id>/reply")
@api.validate(
    resp=answers(200, WorkItem, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=NOTICE,
)
def record_reply(notice_id: str, json: ReplyInput) -> Any:
    """登錄鑑定人回覆（通知及其函催一併完成）"""
    item = services().appraisal_work.record_reply(bearer_token(), notice_id, json.replied_on)
    return jsonify(work_item_json(item))


@bp.post("/appraisers/assignments/<assignment_id>/report-errors")
@api.validate(
    resp=answers(200, ReportError, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=ASSIGNMENT,
)
def record_report_error(assignment_id: str, json: ReportErrorInput) -> Any:
    """登錄鑑定書錯誤（第十二點第十二款：三次以上列入不適任事由）"""
    error = services().appraisal_work.record_report_error(
        bearer_token(), assignment_id, json.description, json.found_on
    )
    return jsonify(
        id=error.id,
        assignment_id=error.assignment_id,
        appraiser_id=error.appraiser_id,
        description=error.description,
        found_on=error.found_on,
        recorded_by=error.recorded_by,
    )


@bp.get("/appraisal-report-requirements")
@api.validate(resp=answers(200, ReportRequirements, 400, 401, 403, 404), tags=[TAG])
def report_requirements(query: RequirementsQuery) -> Any:
    """鑑定書應記載事項（依法院規定：不動產二十六項，動產及無體財產權五項）"""
    needed = services().appraisal_work.report_requirements(
        bearer_token(), APPRAISER_CATEGORIES[query.category], query.court_code
    )
    return jsonify(
        court_code=needed.court_code,
        category=query.category,
        items=[
            {
                "number": i.number,
                "code": i.code,
                "label": i.label,
                "not_applicable": i.not_applicable,
            }
            for i in needed.items
        ],
        photo_item=needed.photo_item,
        max_bytes=needed.max_bytes,
    )


@bp.post("/appraisers/assignments/<assignment_id>/report")
@api.validate(
    resp=answers(201, AppraisalReport, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=ASSIGNMENT,
)
def submit_report(assignment_id: str, form: ReportForm) -> Any:
    """鑑定人送交鑑定書（A4 PDF，multipart）

    欠缺必要記載事項者不予收受（400，逐項說明）；有待確認事項者須勾選
    warnings_acknowledged 後再送（409，逐項說明）；鑑定費用超過收費標準而未經司法事務官
    核可者不予收受。未收受者不留存任何檔案。
    """
    answers_given = [(c, REPORT_ITEM_ANSWERS["present"]) for c in form.present] + [
        (c, REPORT_ITEM_ANSWERS["not_applicable"]) for c in form.not_applicable
    ]
    received = services().appraisal_work.submit_report(
        bearer_token(),
        ReportSubmission(
            assignment_id=assignment_id,
            pdf=form.file.stream.read(),
            report_date=form.report_date,
            address=form.address,
            phone=form.phone,
            total_fee=form.total_fee,
            answers=answers_given,
            photo_set_id=form.photo_set_id,
            fee=FeeInput(
                items=[FeeItemInput(FEE_ITEM_KINDS[form.fee_kind], form.fee_count)],
                registry_parcels=form.registry_parcels,
                travel_group=form.travel_group,
                copies=form.copies,
                agreed=form.agreed,
            ),
            warnings_acknowledged=form.warnings_acknowledged,
        ),
    )
    return jsonify(report_json(received)), 201


@bp.get("/appraisal-reports")
@api.validate(resp=answers(200, AppraisalReports, 400, 401, 403), tags=[TAG])
def appraisal_reports(query: ReportsQuery) -> Any:
    """已收受的鑑定書（執行處：本院；鑑定人：自己的），附短時效下載連結"""
    listed = services().appraisal_work.reports(
        bearer_token(), query.court_code, query.assignment_id
    )
    return jsonify(reports=[report_json(r) for r in listed])

"""An appraiser's work rows as pages and the API both show them: API names and zh-TW
labels from the contract (appraisal_work.proto), days as ISO and as ROC dates."""

from __future__ import annotations

from typing import Any

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes_gateway.presentation.roc import roc_day
from jes_gateway.presentation.vocabulary import (
    APPRAISER_CATEGORIES,
    APPRAISER_CATEGORY_LABELS,
    DEADLINE_KINDS,
    api_names,
    labels_by_name,
    name_of,
)

WORK_ITEM_STATES: dict[str, pb.WorkItemState.ValueType] = api_names(
    pb.WorkItemState, "WORK_ITEM_STATE_", unspecified=False
)
WORK_ITEM_STATE_LABELS = labels_by_name(pb.WorkItemState, WORK_ITEM_STATES)
REPORT_ITEM_ANSWERS: dict[str, pb.ReportItemAnswer.ValueType] = api_names(
    pb.ReportItemAnswer, "REPORT_ITEM_ANSWER_", unspecified=False
)


def work_item_json(i: pb.WorkItem) -> dict[str, Any]:
    state = name_of(WORK_ITEM_STATES, i.state)
    return {
        "id": i.id,
        "court_code": i.court_code,
        "assignment_id": i.assignment_id,
        "appraiser_id": i.appraiser_id,
        "appraiser_name": i.appraiser_name,
        "case_number": i.case_number,
        "division": i.division,
        "kind": name_of(DEADLINE_KINDS, i.kind),
        "kind_label": i.kind_label,
        "start": i.start,
        "days": i.days,
        "last_day": i.last_day,
        "last_day_roc": roc_day(i.last_day),
        "done_on": i.done_on,
        "state": state,
        "state_label": WORK_ITEM_STATE_LABELS.get(state, ""),
        "subject": i.subject,
        "notice_id": i.notice_id,
        "amount": i.amount,
        "fee_allowed": i.fee_allowed,
        "fee_approved": i.fee_approved,
        "reminder_sent": i.reminder_sent,
        "note": i.note,
        "category": name_of(APPRAISER_CATEGORIES, i.category),
    }


def report_json(r: pb.AppraisalReport) -> dict[str, Any]:
    category = name_of(APPRAISER_CATEGORIES, r.category)
    return {
        "id": r.id,
        "court_code": r.court_code,
        "assignment_id": r.assignment_id,
        "appraiser_id": r.appraiser_id,
        "appraiser_name": r.appraiser_name,
        "case_number": r.case_number,
        "division": r.division,
        "category": category,
        "category_label": APPRAISER_CATEGORY_LABELS.get(category, ""),
        "report_date": r.report_date,
        "address": r.address,
        "phone": r.phone,
        "total_fee": r.total_fee,
        "fee_allowed": r.fee_allowed,
        "pages": r.pages,
        "size": r.size,
        "sha256": r.sha256,
        "photo_set_id": r.photo_set_id,
        "items": {i.code: name_of(REPORT_ITEM_ANSWERS, i.answer) for i in r.items},
        "warnings": list(r.warnings),
        "submitted_on": r.submitted_on,
        "submitted_by": r.submitted_by,
        "download_url": r.download_url,
    }

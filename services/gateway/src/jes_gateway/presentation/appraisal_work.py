"""An appraiser's work rows as pages and the API both show them: API names and zh-TW
labels from the contract (appraisal_work.proto), days as ISO and as ROC dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes_gateway.presentation.vocabulary import (
    DEADLINE_KINDS,
    api_names,
    labels_by_name,
    name_of,
)
from jes_zhtw import format_roc_date_short

WORK_ITEM_STATES: dict[str, pb.WorkItemState.ValueType] = api_names(
    pb.WorkItemState, "WORK_ITEM_STATE_", unspecified=False
)
WORK_ITEM_STATE_LABELS = labels_by_name(pb.WorkItemState, WORK_ITEM_STATES)


def roc(day: str) -> str:
    return format_roc_date_short(date.fromisoformat(day)) if day else ""


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
        "last_day_roc": roc(i.last_day),
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
    }

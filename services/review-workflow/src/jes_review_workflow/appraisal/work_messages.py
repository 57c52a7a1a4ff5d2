"""Work rows as the contract's messages, and as the domain's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2 as appraisers_pb
from jes_review_workflow.appraisal.messages import CATEGORY
from jes_review_workflow.domain.appraisal.deadlines import DEADLINE_LABELS, DeadlineKind
from jes_review_workflow.domain.appraisal.rotation import Category
from jes_review_workflow.domain.appraisal.work import Closed, Row, WorkState, state_on
from jes_review_workflow.models import AppraisalAssignment, Appraiser
from jes_review_workflow.work_models import WorkItemRow

DEADLINE_KIND = {
    DeadlineKind.PAYMENT: appraisers_pb.DEADLINE_KIND_PAYMENT,
    DeadlineKind.REPORT: appraisers_pb.DEADLINE_KIND_REPORT,
    DeadlineKind.REPORT_WITH_ZONING: appraisers_pb.DEADLINE_KIND_REPORT_WITH_ZONING,
    DeadlineKind.REPLY: appraisers_pb.DEADLINE_KIND_REPLY,
    DeadlineKind.REPLY_AFTER_REMINDER: appraisers_pb.DEADLINE_KIND_REPLY_AFTER_REMINDER,
}
STATE = {
    WorkState.OPEN: pb.WORK_ITEM_STATE_OPEN,
    WorkState.OVERDUE: pb.WORK_ITEM_STATE_OVERDUE,
    WorkState.DONE: pb.WORK_ITEM_STATE_DONE,
    WorkState.DONE_LATE: pb.WORK_ITEM_STATE_DONE_LATE,
    WorkState.NOT_PAID: pb.WORK_ITEM_STATE_NOT_PAID,
}


@dataclass(frozen=True)
class Names:
    """What a work row's message shows of its assignment and appraiser."""

    appraisers: dict[str, str]
    cases: dict[str, tuple[str, str, str]]  # assignment id -> (case number, division, category)


def names_of(session: Session, rows: Sequence[WorkItemRow]) -> Names:
    appraiser_ids = {r.appraiser_id for r in rows}
    assignment_ids = {r.assignment_id for r in rows}
    appraisers = {
        a.id: a.name
        for a in session.scalars(select(Appraiser).where(Appraiser.id.in_(appraiser_ids)))
    }
    cases = {
        a.id: (a.case_number, a.division, a.category)
        for a in session.scalars(
            select(AppraisalAssignment).where(AppraisalAssignment.id.in_(assignment_ids))
        )
    }
    return Names(appraisers, cases)


def row_of(row: WorkItemRow) -> Row:
    return Row(
        kind=DeadlineKind(row.kind),
        start=row.start,
        last_day=row.last_day,
        done_on=row.done_on,
        closed=Closed(row.closed) if row.closed else None,
    )


def item_message(row: WorkItemRow, names: Names, day: date) -> pb.WorkItem:
    kind = DeadlineKind(row.kind)
    case_number, division, category = names.cases.get(row.assignment_id, ("", "", ""))
    return pb.WorkItem(
        id=row.id,
        court_code=row.court_code,
        assignment_id=row.assignment_id,
        appraiser_id=row.appraiser_id,
        appraiser_name=names.appraisers.get(row.appraiser_id, ""),
        case_number=case_number,
        division=division,
        kind=DEADLINE_KIND[kind],
        kind_label=DEADLINE_LABELS[kind],
        start=row.start.isoformat(),
        days=row.days,
        last_day=row.last_day.isoformat(),
        done_on=row.done_on.isoformat() if row.done_on else "",
        state=STATE[state_on(row_of(row), day)],
        subject=row.subject,
        notice_id=row.notice_id,
        amount=row.amount,
        fee_allowed=row.fee_allowed,
        fee_approved=row.fee_approved,
        reminder_sent=row.reminded_at is not None,
        note=row.note,
        category=(
            CATEGORY[Category(category)]
            if category
            else appraisers_pb.APPRAISER_CATEGORY_UNSPECIFIED
        ),
    )

"""Reading the work rows: the division's and the appraiser's lists (overdue first), the
reminder sweep (each open row reminded once, before its last day), and what the rows
give the disqualification grounds 5, 10 and 12."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_domain import NotFound
from jes_events import Outbox
from jes_review_workflow.appraisal.common import day_of, today
from jes_review_workflow.appraisal.work import is_staff, own_appraiser_ids
from jes_review_workflow.appraisal.work_messages import item_message, names_of, row_of
from jes_review_workflow.domain.appraisal import access, work
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind
from jes_review_workflow.models import Appraiser
from jes_review_workflow.work_models import ReportErrorRow, WorkItemRow

NO_ROSTER_ENTRY = "您的帳號不在本院鑑定人名冊"


class WorkQueries:
    def __init__(self, db: Database):
        self.db = db

    def list(
        self, claims: Claims, court_code: str, overdue_only: bool, as_of: str, assignment_id: str
    ) -> pb.ListWorkItemsResponse:
        day = day_of(as_of, "as_of", today())
        with self.db.transaction() as session:
            query = select(WorkItemRow)
            if is_staff(claims):
                court_code = access.court_of(claims, court_code)
                query = query.where(WorkItemRow.court_code == court_code)
            else:
                mine = own_appraiser_ids(session, claims)
                if not mine:
                    raise NotFound(NO_ROSTER_ENTRY)
                query = query.where(WorkItemRow.appraiser_id.in_(mine))
            if assignment_id.strip():
                query = query.where(WorkItemRow.assignment_id == assignment_id.strip())
            if overdue_only:
                query = query.where(
                    WorkItemRow.last_day < day,
                    WorkItemRow.done_on.is_(None),
                    WorkItemRow.closed == "",
                )
            rows = session.scalars(query.order_by(WorkItemRow.last_day, WorkItemRow.id)).all()
            names = names_of(session, rows)
            items = [item_message(r, names, day) for r in rows]
        return pb.ListWorkItemsResponse(items=items, as_of=day.isoformat())


class DeadlineReminders:
    """The sweep: every open row whose reminder is due on `day` and not yet sent gets one
    AppraisalDeadlineApproaching event (notification mails the appraiser), marked sent in
    the same transaction, so a row is reminded once however often the sweep runs."""

    def __init__(self, db: Database, outbox: Outbox, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.outbox = outbox
        self.clock = clock

    def run_once(self, day: date | None = None) -> int:
        day = day or today()
        sent = 0
        with self.db.transaction() as session:
            rows = session.scalars(
                select(WorkItemRow)
                .where(
                    WorkItemRow.reminded_at.is_(None),
                    WorkItemRow.done_on.is_(None),
                    WorkItemRow.closed == "",
                    WorkItemRow.last_day >= day,
                )
                .with_for_update(skip_locked=True)
            ).all()
            due = [
                r for r in rows if work.reminder_due(rules_for(r.court_code, day), row_of(r), day)
            ]
            names = names_of(session, due)
            for row in due:
                row.reminded_at = self.clock()
                appraiser = session.get(Appraiser, row.appraiser_id)
                self.outbox.add(
                    session,
                    pb.AppraisalDeadlineApproaching(
                        item=item_message(row, names, day),
                        appraiser_account_id=appraiser.account_id if appraiser else "",
                    ),
                    subject=row.id,
                )
                sent += 1
        return sent


def flag_inputs(session: Session, appraiser_id: str) -> dict[str, Any]:
    """The rows' part of `disqualification.flags` for one appraiser: notices (ground 5),
    payments above the order's ceiling without approval (ground 10), report errors
    (ground 12)."""
    rows = session.scalars(
        select(WorkItemRow)
        .where(WorkItemRow.appraiser_id == appraiser_id)
        .order_by(WorkItemRow.start, WorkItemRow.id)
    ).all()
    notices = [r for r in rows if r.kind == DeadlineKind.REPLY.value]
    index = {r.id: n for n, r in enumerate(notices)}
    reminders = [
        (index[r.notice_id], r.start)
        for r in rows
        if r.kind == DeadlineKind.REPLY_AFTER_REMINDER.value and r.notice_id in index
    ]
    above = [
        r
        for r in rows
        if r.kind == DeadlineKind.PAYMENT.value
        and r.closed == work.Closed.PAID.value
        and work.fee_above_schedule(r.amount, r.fee_allowed, r.fee_approved) > 0
    ]
    errors = session.scalars(
        select(ReportErrorRow.id).where(ReportErrorRow.appraiser_id == appraiser_id)
    ).all()
    return {
        "notices": work.notices_of([(n.start, n.done_on) for n in notices], reminders),
        "fees_above_schedule": len(above),
        "report_errors": len(errors),
    }

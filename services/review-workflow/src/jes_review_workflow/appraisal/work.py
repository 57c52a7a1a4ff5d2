"""An assigned appraiser's work: the payment order, the payment and the report period it
starts, a non-payment report, the court's notices, reminders and replies, errors found
in reports. Each is one transaction: the row, the audit record and the event. The rules
are in domain/appraisal/work; the rows' messages in work_messages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import FailedPrecondition, Forbidden, InvalidArgument, NotFound
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal.common import court_calendar, day_of, today
from jes_review_workflow.appraisal.work_messages import item_message, names_of, row_of
from jes_review_workflow.domain.appraisal import work
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind, deadline
from jes_review_workflow.domain.appraisal.fees import FeeRequest, check_fee, schedule_for
from jes_review_workflow.models import AppraisalAssignment, Appraiser, audit_log
from jes_review_workflow.work_models import ReportErrorRow, WorkItemRow
from jes_servicekit.audit import actor_of

ASSIGNMENT_NOT_FOUND = "查無此選任紀錄"
ITEM_NOT_FOUND = "查無此期限項目"
ASSIGNMENT_REPLACED = "此選任已撤換"
NOT_YOUR_WORK = "此選任不是您的"
TEXT_REQUIRED = "請填寫內容"
MAX_TEXT = 500
FEE_APPROVAL_IS_OFFICER = "超過收費標準的鑑定費用須由承辦司法事務官核可"

FEE_ORDERED = "appraisal.fee_ordered"
FEE_PAID = "appraisal.fee_paid"
NON_PAYMENT_REPORTED = "appraisal.non_payment_reported"
NOTICE_RECORDED = "appraisal.notice_recorded"
REMINDER_RECORDED = "appraisal.notice_reminder_recorded"
REPLY_RECORDED = "appraisal.notice_reply_recorded"
REPORT_ERROR_RECORDED = "appraisal.report_error_recorded"

WORK_AUDIT_LABELS = {
    FEE_ORDERED: "命繳納鑑定費用",
    FEE_PAID: "登錄鑑定費用已繳納",
    NON_PAYMENT_REPORTED: "陳報當事人未繳納鑑定費用",
    NOTICE_RECORDED: "登錄本院通知",
    REMINDER_RECORDED: "登錄本院函催",
    REPLY_RECORDED: "登錄鑑定人回覆",
    REPORT_ERROR_RECORDED: "登錄鑑定書錯誤",
}


def text_of(value: str, field: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument(TEXT_REQUIRED, fields={field: TEXT_REQUIRED})
    if len(value) > MAX_TEXT:
        raise InvalidArgument("文字過長", fields={field: f"請在 {MAX_TEXT} 字以內"})
    return value


def is_staff(claims: Claims) -> bool:
    return claims.has_role("clerk", "judicial-officer", "records-chief", "chief-judge", "admin")


def own_appraiser_ids(session: Session, claims: Claims) -> set[str]:
    """The roster entries of the caller's account (an appraiser may be on several)."""
    account = claims.username or claims.subject
    return set(
        session.scalars(
            select(Appraiser.id).where(
                Appraiser.account_id == account, Appraiser.court_code == claims.court_code
            )
        )
    )


def may_act_on(session: Session, claims: Claims, court_code: str, appraiser_id: str) -> bool:
    """Staff in their own court (admins in any); an appraiser on their own work only."""
    if claims.has_role("admin"):
        return True
    if is_staff(claims) and claims.court_code == court_code:
        return True
    return claims.has_role("appraiser") and appraiser_id in own_appraiser_ids(session, claims)


def assignment_for(session: Session, claims: Claims, assignment_id: str) -> AppraisalAssignment:
    row = session.scalars(
        select(AppraisalAssignment)
        .where(AppraisalAssignment.id == assignment_id.strip())
        .with_for_update()
    ).first()
    if row is None or not may_act_on(session, claims, row.court_code, row.appraiser_id):
        raise NotFound(ASSIGNMENT_NOT_FOUND, fields={"assignment_id": ASSIGNMENT_NOT_FOUND})
    if row.replaced:
        raise FailedPrecondition(ASSIGNMENT_REPLACED)
    return row


def item_for(session: Session, claims: Claims, item_id: str) -> WorkItemRow:
    row = session.scalars(
        select(WorkItemRow).where(WorkItemRow.id == item_id.strip()).with_for_update()
    ).first()
    if row is None or not may_act_on(session, claims, row.court_code, row.appraiser_id):
        raise NotFound(ITEM_NOT_FOUND, fields={"notice_id": ITEM_NOT_FOUND})
    return row


def open_item(
    session: Session, assignment_id: str, kinds: tuple[DeadlineKind, ...]
) -> WorkItemRow | None:
    return session.scalars(
        select(WorkItemRow)
        .where(
            WorkItemRow.assignment_id == assignment_id,
            WorkItemRow.kind.in_([k.value for k in kinds]),
            WorkItemRow.done_on.is_(None),
            WorkItemRow.closed == "",
        )
        .with_for_update()
    ).first()


class AppraisalWork:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    # -- one change: row, audit, event ----------------------------------------------------

    def _new_item(
        self,
        session: Session,
        assignment: AppraisalAssignment,
        kind: DeadlineKind,
        start: date,
        by: str,
        **fields: object,
    ) -> WorkItemRow:
        rules = rules_for(assignment.court_code, start)
        due = deadline(rules, kind, start, court_calendar(session, assignment.court_code))
        row = WorkItemRow(
            court_code=assignment.court_code,
            assignment_id=assignment.id,
            appraiser_id=assignment.appraiser_id,
            kind=kind.value,
            start=start,
            days=due.days,
            last_day=due.last_day,
            recorded_by=by,
            **fields,
        )
        session.add(row)
        session.flush()
        return row

    def _changed(
        self, session: Session, claims: Claims, row: WorkItemRow, action: str, before: dict
    ) -> pb.WorkItem:
        message = item_message(row, names_of(session, [row]), today())
        audit_log.record(
            session,
            actor_of(claims),
            action,
            subject_type="appraisal_work_item",
            subject_id=row.id,
            court_code=row.court_code,
            before=before or None,
            after={
                "kind": row.kind,
                "start": row.start.isoformat(),
                "last_day": row.last_day.isoformat(),
                "done_on": row.done_on.isoformat() if row.done_on else "",
                "closed": row.closed,
                "amount": row.amount,
                "note": row.note,
            },
        )
        self.outbox.add(
            session,
            pb.WorkItemChanged(item=message),
            subject=row.id,
            trace_id=request_id_var.get(),
        )
        return message

    # -- payment and report -------------------------------------------------------------

    def order_fee(
        self,
        claims: Claims,
        assignment_id: str,
        ordered_on: str,
        fee: FeeRequest,
        agreed: int,
        approved: bool,
    ) -> pb.WorkItem:
        now = today()
        start = day_of(ordered_on, "ordered_on", now)
        if approved and not claims.has_role("judicial-officer"):
            raise Forbidden(FEE_APPROVAL_IS_OFFICER)
        with self.db.transaction() as session:
            assignment = assignment_for(session, claims, assignment_id)
            work.require_day_in_range(start, assignment.assigned_on, now, "ordered_on")
            schedule = schedule_for(rules_for(assignment.court_code, start), fee)
            allowed = check_fee(schedule, 0, agreed).allowed
            if open_item(session, assignment.id, (DeadlineKind.PAYMENT,)) is not None:
                raise FailedPrecondition(work.PAYMENT_ALREADY_ORDERED)
            row = self._new_item(
                session,
                assignment,
                DeadlineKind.PAYMENT,
                start,
                claims.display_id,
                fee_allowed=allowed,
                fee_approved=approved,
            )
            return self._changed(session, claims, row, FEE_ORDERED, {})

    def record_payment(
        self,
        claims: Claims,
        assignment_id: str,
        paid_on: str,
        amount: int,
        zoning_certificate_needed: bool,
    ) -> pb.WorkItem:
        now = today()
        paid = day_of(paid_on, "paid_on", now)
        if amount < 1:
            raise InvalidArgument(work.AMOUNT_REQUIRED, fields={"amount": work.AMOUNT_REQUIRED})
        with self.db.transaction() as session:
            assignment = assignment_for(session, claims, assignment_id)
            payment = open_item(session, assignment.id, (DeadlineKind.PAYMENT,))
            if payment is None:
                raise FailedPrecondition(
                    work.NO_PAYMENT_ORDER, fields={"assignment_id": work.NO_PAYMENT_ORDER}
                )
            work.require_day_in_range(paid, payment.start, now, "paid_on")
            payment.done_on = paid
            payment.closed = work.Closed.PAID.value
            payment.amount = amount
            self._changed(session, claims, payment, FEE_PAID, {"done_on": ""})
            report = self._new_item(
                session,
                assignment,
                work.report_kind(zoning_certificate_needed),
                paid,
                claims.display_id,
            )
            return self._changed(session, claims, report, FEE_PAID, {})

    def report_non_payment(self, claims: Claims, assignment_id: str, note: str) -> pb.WorkItem:
        note = text_of(note, "note", required=False)
        now = today()
        with self.db.transaction() as session:
            assignment = assignment_for(session, claims, assignment_id)
            payment = open_item(session, assignment.id, (DeadlineKind.PAYMENT,))
            if payment is None:
                raise FailedPrecondition(
                    work.NO_PAYMENT_ORDER, fields={"assignment_id": work.NO_PAYMENT_ORDER}
                )
            work.require_non_payment_reportable(row_of(payment), now)
            payment.closed = work.Closed.NOT_PAID.value
            payment.note = note
            return self._changed(session, claims, payment, NON_PAYMENT_REPORTED, {"closed": ""})

    # -- notices, reminders, replies ------------------------------------------------------

    def record_notice(
        self, claims: Claims, assignment_id: str, received_on: str, subject: str
    ) -> pb.WorkItem:
        now = today()
        received = day_of(received_on, "received_on", now)
        subject = text_of(subject, "subject", required=True)
        with self.db.transaction() as session:
            assignment = assignment_for(session, claims, assignment_id)
            work.require_day_in_range(received, assignment.assigned_on, now, "received_on")
            row = self._new_item(
                session,
                assignment,
                DeadlineKind.REPLY,
                received,
                claims.display_id,
                subject=subject,
            )
            return self._changed(session, claims, row, NOTICE_RECORDED, {})

    def record_reminder(self, claims: Claims, notice_id: str, received_on: str) -> pb.WorkItem:
        now = today()
        received = day_of(received_on, "received_on", now)
        with self.db.transaction() as session:
            notice = self._notice(session, claims, notice_id)
            work.require_open(row_of(notice))
            work.require_day_in_range(received, notice.start, now, "received_on")
            assignment = assignment_for(session, claims, notice.assignment_id)
            row = self._new_item(
                session,
                assignment,
                DeadlineKind.REPLY_AFTER_REMINDER,
                received,
                claims.display_id,
                subject=notice.subject,
                notice_id=notice.id,
            )
            return self._changed(session, claims, row, REMINDER_RECORDED, {})

    def record_reply(self, claims: Claims, notice_id: str, replied_on: str) -> pb.WorkItem:
        now = today()
        replied = day_of(replied_on, "replied_on", now)
        with self.db.transaction() as session:
            notice = self._notice(session, claims, notice_id)
            work.require_open(row_of(notice))
            work.require_day_in_range(replied, notice.start, now, "replied_on")
            reminders = session.scalars(
                select(WorkItemRow)
                .where(WorkItemRow.notice_id == notice.id, WorkItemRow.done_on.is_(None))
                .with_for_update()
            ).all()
            for row in [*reminders, notice]:
                row.done_on = replied
                row.closed = work.Closed.REPLIED.value
                message = self._changed(session, claims, row, REPLY_RECORDED, {"done_on": ""})
            return message

    def _notice(self, session: Session, claims: Claims, notice_id: str) -> WorkItemRow:
        notice = item_for(session, claims, notice_id)
        if notice.kind != DeadlineKind.REPLY.value:
            raise FailedPrecondition(work.NOT_A_NOTICE, fields={"notice_id": work.NOT_A_NOTICE})
        return notice

    # -- report errors (ground 12) ------------------------------------------------------

    def record_report_error(
        self, claims: Claims, assignment_id: str, description: str, found_on: str
    ) -> pb.ReportError:
        now = today()
        found = day_of(found_on, "found_on", now)
        description = text_of(description, "description", required=True)
        with self.db.transaction() as session:
            assignment = assignment_for(session, claims, assignment_id)
            work.require_day_in_range(found, assignment.assigned_on, now, "found_on")
            row = ReportErrorRow(
                court_code=assignment.court_code,
                assignment_id=assignment.id,
                appraiser_id=assignment.appraiser_id,
                description=description,
                found_on=found,
                recorded_by=claims.display_id,
            )
            session.add(row)
            session.flush()
            message = pb.ReportError(
                id=row.id,
                assignment_id=row.assignment_id,
                appraiser_id=row.appraiser_id,
                description=row.description,
                found_on=found.isoformat(),
                recorded_by=row.recorded_by,
            )
            audit_log.record(
                session,
                actor_of(claims),
                REPORT_ERROR_RECORDED,
                subject_type="appraisal_assignment",
                subject_id=assignment.id,
                court_code=assignment.court_code,
                after={"description": description, "found_on": found.isoformat()},
            )
            self.outbox.add(
                session,
                message,
                subject=assignment.id,
                trace_id=request_id_var.get(),
            )
            return message

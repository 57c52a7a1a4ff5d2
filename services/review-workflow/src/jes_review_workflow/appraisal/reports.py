"""The appraisal report (seed 003 point 7): the appraiser submits the A4 PDF with its
fields and each required item answered; the completeness check (hard stops, warnings to
acknowledge) and the fee check run before anything is kept. One transaction: the row,
the report period closed, the audit record and the event; the PDF goes into the object
store inside it and is removed again if the transaction does not commit, so a refused
or failed submission leaves no file behind."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisal_work_pb2 as pb
from jes_auth import Claims
from jes_db import Database, new_id
from jes_domain import FailedPrecondition, InvalidArgument
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal.common import day_of, today
from jes_review_workflow.appraisal.messages import CATEGORY
from jes_review_workflow.appraisal.report_pdf import pages_of
from jes_review_workflow.appraisal.work import (
    assignment_for,
    is_staff,
    open_item,
    own_appraiser_ids,
)
from jes_review_workflow.domain.appraisal import access, report
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind
from jes_review_workflow.domain.appraisal.fees import (
    ABOVE_SCHEDULE,
    FeeRequest,
    check_fee,
    schedule_for,
)
from jes_review_workflow.domain.appraisal.rotation import Category
from jes_review_workflow.domain.appraisal.work import REPORT_KINDS, Closed
from jes_review_workflow.models import AppraisalAssignment, Appraiser, Submission, audit_log
from jes_review_workflow.work_models import AppraisalReportRow, WorkItemRow
from jes_servicekit.audit import actor_of

BUCKET = "appraisal-reports"
URL_LIFETIME = timedelta(minutes=10)
REPORT_SUBMITTED = "appraisal.report_submitted"
REPORT_AUDIT_LABELS = {REPORT_SUBMITTED: "鑑定人送交鑑定書"}
ANSWER = {
    report.Answer.PRESENT: pb.REPORT_ITEM_ANSWER_PRESENT,
    report.Answer.NOT_APPLICABLE: pb.REPORT_ITEM_ANSWER_NOT_APPLICABLE,
}


@dataclass(frozen=True)
class ReportInput:
    assignment_id: str
    pdf: bytes
    report_date: str
    address: str
    phone: str
    total_fee: int
    answers: Mapping[str, report.Answer]
    photo_set_id: str
    fee: FeeRequest
    agreed: int
    warnings_acknowledged: bool


def report_message(row: AppraisalReportRow, session: Session) -> pb.AppraisalReport:
    assignment = session.get(AppraisalAssignment, row.assignment_id)
    appraiser = session.get(Appraiser, row.appraiser_id)
    return pb.AppraisalReport(
        id=row.id,
        court_code=row.court_code,
        assignment_id=row.assignment_id,
        appraiser_id=row.appraiser_id,
        appraiser_name=appraiser.name if appraiser else "",
        case_number=assignment.case_number if assignment else "",
        division=assignment.division if assignment else "",
        category=CATEGORY[Category(row.category)],
        report_date=row.report_date.isoformat(),
        address=row.address,
        phone=row.phone,
        total_fee=row.total_fee,
        fee_allowed=row.fee_allowed,
        pages=row.pages,
        size=row.size,
        sha256=row.sha256,
        object_key=row.object_key,
        photo_set_id=row.photo_set_id,
        items=[
            pb.ReportItem(code=code, answer=ANSWER[report.Answer(answer)])
            for code, answer in row.items.items()
        ],
        warnings=row.warnings,
        submitted_on=row.submitted_on.isoformat(),
        submitted_by=row.submitted_by,
    )


class AppraisalReports:
    def __init__(self, db: Database, outbox: Outbox, store: Any):
        self.db = db
        self.outbox = outbox
        self.store = store

    def requirements(
        self, claims: Claims, court_code: str, category: Category
    ) -> pb.ReportRequirements:
        court_code = access.court_of(claims, court_code)
        rules = rules_for(court_code, today())
        return pb.ReportRequirements(
            court_code=court_code,
            category=CATEGORY[category],
            items=[
                pb.ReportRequirement(
                    number=r.number,
                    code=r.code,
                    label=r.label,
                    not_applicable=r.not_applicable.value,
                )
                for r in report.requirements(rules, category)
            ],
            photo_item=report.photo_item(rules),
            max_bytes=report.max_bytes(rules),
        )

    def submit(self, claims: Claims, given: ReportInput) -> pb.AppraisalReport:
        now = today()
        report_date = day_of(given.report_date, "report_date") if given.report_date else None
        key = ""
        try:
            with self.db.transaction() as session:
                assignment = assignment_for(session, claims, given.assignment_id)
                category = Category(assignment.category)
                rules = rules_for(assignment.court_code, now)
                pages = pages_of(rules, given.pdf)
                photo_known = self._photo_set_known(session, assignment, given.photo_set_id)
                # every hard stop at once: the fee's and the contents'
                fee_problem: InvalidArgument | None = None
                try:
                    allowed = self._fee_allowed(session, assignment, given, rules)
                except InvalidArgument as problem:
                    fee_problem, allowed = problem, 0
                try:
                    checked = report.check(
                        rules,
                        category,
                        report.ReportFields(
                            report_date, given.address, given.phone, given.total_fee
                        ),
                        given.answers,
                        now,
                        photo_set_id=given.photo_set_id,
                        photo_set_known=photo_known,
                    )
                except InvalidArgument as incomplete:
                    if fee_problem is not None:
                        incomplete.fields.update(fee_problem.fields)
                    raise
                if fee_problem is not None:
                    raise fee_problem
                if checked.warnings and not given.warnings_acknowledged:
                    raise FailedPrecondition(
                        report.WARNINGS_TO_CONFIRM,
                        fields={f"warnings[{n}]": w for n, w in enumerate(checked.warnings)},
                    )
                report_id = new_id()
                key = f"{assignment.court_code}/{assignment.id}/{report_id}.pdf"
                self.store.put(BUCKET, key, given.pdf, "application/pdf")
                assert report_date is not None  # report.check refused a missing one
                row = AppraisalReportRow(
                    id=report_id,
                    court_code=assignment.court_code,
                    assignment_id=assignment.id,
                    appraiser_id=assignment.appraiser_id,
                    category=category.value,
                    object_key=key,
                    size=len(given.pdf),
                    pages=pages,
                    sha256=hashlib.sha256(given.pdf).hexdigest(),
                    report_date=report_date,
                    address=given.address.strip(),
                    phone=given.phone.strip(),
                    total_fee=given.total_fee,
                    fee_allowed=allowed,
                    items={code: answer.value for code, answer in given.answers.items()},
                    photo_set_id=given.photo_set_id,
                    warnings=list(checked.warnings),
                    submitted_on=now,
                    submitted_by=claims.display_id,
                )
                session.add(row)
                self._close_report_period(session, assignment.id, now)
                session.flush()
                message = report_message(row, session)
                audit_log.record(
                    session,
                    actor_of(claims),
                    REPORT_SUBMITTED,
                    subject_type="appraisal_assignment",
                    subject_id=assignment.id,
                    court_code=assignment.court_code,
                    after={
                        "report_id": row.id,
                        "sha256": row.sha256,
                        "total_fee": row.total_fee,
                        "warnings": row.warnings,
                    },
                )
                self.outbox.add(
                    session,
                    pb.AppraisalReportSubmitted(report=message),
                    subject=row.id,
                    trace_id=request_id_var.get(),
                )
                return message
        except BaseException:
            if key:
                self.store.delete(BUCKET, key)  # not committed: no file without its row
            raise

    def _fee_allowed(
        self, session: Session, assignment: AppraisalAssignment, given: ReportInput, rules: Any
    ) -> int:
        """The schedule's ceiling for the report's lines; above it only with the
        officer's approval recorded on the payment order."""
        schedule = schedule_for(rules, given.fee)
        approved = any(
            session.scalars(
                select(WorkItemRow.fee_approved).where(
                    WorkItemRow.assignment_id == assignment.id,
                    WorkItemRow.kind == DeadlineKind.PAYMENT.value,
                )
            )
        )
        fee = check_fee(schedule, max(0, given.total_fee), given.agreed, approved)
        if not fee.acceptable:
            raise InvalidArgument(
                ABOVE_SCHEDULE,
                fields={"total_fee": f"收費標準上限為 {fee.allowed} 元，超過 {fee.above_by} 元"},
            )
        return fee.allowed

    def _photo_set_known(
        self, session: Session, assignment: AppraisalAssignment, photo_set_id: str
    ) -> bool:
        """The photo set was submitted to this court for this case (photo-storage's
        PhotoSetSubmitted, as review-workflow recorded it)."""
        if not photo_set_id:
            return False
        found = session.scalars(
            select(Submission.case_number).where(
                Submission.photo_set_id == photo_set_id.strip(),
                Submission.court_code == assignment.court_code,
            )
        ).all()
        return assignment.case_number in found

    def _close_report_period(self, session: Session, assignment_id: str, day: date) -> None:
        period = open_item(session, assignment_id, REPORT_KINDS)
        if period is not None:
            period.done_on = day
            period.closed = Closed.REPORTED.value

    def list(
        self, claims: Claims, court_code: str, assignment_id: str
    ) -> pb.ListAppraisalReportsResponse:
        with self.db.transaction() as session:
            query = select(AppraisalReportRow)
            if is_staff(claims):
                court_code = access.court_of(claims, court_code)
                query = query.where(AppraisalReportRow.court_code == court_code)
            else:
                query = query.where(
                    AppraisalReportRow.appraiser_id.in_(own_appraiser_ids(session, claims))
                )
            if assignment_id.strip():
                query = query.where(AppraisalReportRow.assignment_id == assignment_id.strip())
            rows = session.scalars(query.order_by(AppraisalReportRow.submitted_at.desc())).all()
            reports = []
            for row in rows:
                message = report_message(row, session)
                message.download_url = self.store.presigned_get(
                    BUCKET,
                    row.object_key,
                    URL_LIFETIME,
                    download_name=f"appraisal-report-{row.id}.pdf",
                )
                reports.append(message)
            return pb.ListAppraisalReportsResponse(reports=reports)

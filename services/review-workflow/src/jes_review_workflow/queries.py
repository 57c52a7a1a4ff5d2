"""What the court reads: its review queue, one submission, its audit log."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from jes.audit.v1 import audit_pb2
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import NotFound
from jes_review_workflow.domain import access, submissions
from jes_review_workflow.domain.audit import AUDIT_ACTION_LABELS
from jes_review_workflow.domain.paging import Page, page_of
from jes_review_workflow.messages import submission_message
from jes_review_workflow.models import FirmApplicationDecision, Submission, audit_log
from jes_servicekit.audit import audit_entry_messages


@dataclass(frozen=True)
class SubmissionPage:
    submissions: list[pb.Submission]
    total: int
    page: Page


@dataclass(frozen=True)
class AuditPage:
    entries: list[audit_pb2.AuditEntry]
    total: int


@dataclass(frozen=True)
class QueueFilter:
    """The queue's search: each "" matches any."""

    case_number: str = ""
    division: str = ""
    firm: str = ""
    photo_set_id: str = ""
    sort: str = ""


def filtered(query: Select[Submission], wanted: QueueFilter) -> Select[Submission]:
    case = submissions.case_search(wanted.case_number)
    if case is not None and case.formal:
        query = query.where(Submission.case_number == case.formal)
    elif case is not None and case.number:
        query = query.where(Submission.case_number.endswith(f"第{case.number}號"))
    elif case is not None:
        query = query.where(Submission.case_number.contains(case.piece, autoescape=True))
    if wanted.division.strip():
        query = query.where(Submission.division == wanted.division.strip())
    if firm := wanted.firm.strip():
        query = query.where(
            or_(
                Submission.firm_name.contains(firm, autoescape=True),
                Submission.firm_account_id.contains(firm, autoescape=True),
            )
        )
    if wanted.photo_set_id:
        query = query.where(Submission.photo_set_id == wanted.photo_set_id)
    return query


def visible_submission(
    session: Session, claims: Claims, submission_id: str, *, for_update: bool = False
) -> Submission:
    """The submission, if the caller may see it; another court's is not found.
    `for_update`: locked until the transaction ends (a change follows)."""
    submission = (
        session.get(Submission, submission_id, with_for_update=for_update)
        if submission_id
        else None
    )
    if submission is None or not access.may_see(claims, submission.court_code):
        raise NotFound(submissions.NOT_FOUND)
    return submission


def firm_decision_of(session: Session, application_id: str) -> FirmApplicationDecision | None:
    return session.scalar(
        select(FirmApplicationDecision).where(
            FirmApplicationDecision.application_id == application_id
        )
    )


class ReviewQueries:
    def __init__(self, db: Database):
        self.db = db

    def submissions(
        self,
        claims: Claims,
        court_code: str,
        state: str,
        page: int,
        page_size: int,
        wanted: QueueFilter | None = None,
    ) -> SubmissionPage:
        access.require_court_staff(claims)
        court_code = access.listed_court(claims, court_code)
        wanted_state = submissions.state_filter(state)
        wanted = wanted or QueueFilter()
        sort = submissions.queue_sort(wanted.sort)
        query = select(Submission)
        if court_code:
            query = query.where(Submission.court_code == court_code)
        if wanted_state is not None:
            query = query.where(Submission.state == wanted_state.value)
        query = filtered(query, wanted)
        oldest_first = sort == "waiting"
        order = (
            (Submission.submitted_at.asc(), Submission.id)
            if oldest_first
            else (Submission.submitted_at.desc(), Submission.id)
        )
        with self.db.transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            listed = page_of(page, page_size, total)
            rows = session.scalars(query.order_by(*order).limit(listed.size).offset(listed.offset))
            return SubmissionPage([submission_message(s) for s in rows], total, listed)

    def submission(self, claims: Claims, submission_id: str) -> pb.Submission:
        access.require_court_staff(claims)
        with self.db.transaction() as session:
            return submission_message(visible_submission(session, claims, submission_id))

    def audit_entries(
        self, claims: Claims, court_code: str, subject_id: str, page: int, page_size: int
    ) -> AuditPage:
        access.require_court_staff(claims)
        court_code = access.listed_court(claims, court_code)
        subject_ids = [subject_id] if subject_id else []
        with self.db.transaction() as session:
            total = audit_log.count(session, subject_ids=subject_ids, court_code=court_code)
            listed = page_of(page, page_size, total)
            records = audit_log.entries(
                session,
                subject_ids=subject_ids,
                court_code=court_code,
                newest_first=True,
                limit=listed.size,
                offset=listed.offset,
            )
        return AuditPage(audit_entry_messages(records, AUDIT_ACTION_LABELS), total)

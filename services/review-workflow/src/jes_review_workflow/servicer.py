"""ReviewWorkflowService: the court's review queue and its decisions.

A decision is carried out by the owning service first (photo-storage for a photo set,
identity for a firm application), then recorded here with its audit entry (and event) in
one transaction. So the log never claims a decision that was not applied; the owning
service is idempotent per decision, so a retry after a crash in between completes it.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import grpc
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as identity_pb
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_events import Outbox
from jes_grpckit import (
    Aborted,
    Client,
    FailedPrecondition,
    Forbidden,
    InvalidArgument,
    NotFound,
    ServiceError,
    current_claims,
    field_violations,
    request_id_var,
)
from jes_review_workflow.messages import (
    AUDIT_ACTION_LABELS,
    decision_message,
    submission_message,
    submission_snapshot,
)
from jes_review_workflow.models import (
    APPROVED,
    PENDING,
    REJECTED,
    STATES,
    FirmApplicationDecision,
    Submission,
    audit_log,
)
from jes_review_workflow.reasons import (
    MAX_NOTE,
    REJECTION_REASONS,
    firm_facing_text,
    validate_decision,
)
from jes_servicekit.audit import actor_of, audit_entry_messages

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

SUBMISSION_NOT_FOUND = "查無此審核案件"
APPLICATION_NOT_FOUND = "查無此帳號申請"
ALREADY_DECIDED = "此案件已審核或已撤回"
OTHER_DECISION_APPLIED = "此案件已有不同的審核結果，請重新整理後再試"
APPLICATION_ALREADY_DECIDED = "此申請已有不同的決定，不能再變更"


def decision_id_of(submission_id: str) -> str:
    """One decision per submission: a retry sends photo-storage the same id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jes:review-decision:{submission_id}"))


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    size: int
    count: int  # pages in all, at least 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(page: int, page_size: int, total: int) -> Page:
    problems = {}
    if page < 0:
        problems["page"] = "頁數不可為負數"
    if page_size < 0:
        problems["page_size"] = "每頁筆數不可為負數"
    if problems:
        raise InvalidArgument("查詢條件有誤", fields=problems)
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return Page(number=page or 1, size=size, count=max(1, math.ceil(total / size)))


def listed_court(claims: Claims, court_code: str) -> str:
    """The court a listing covers: a clerk's own ("" = own, another is refused); admins and
    services any ("" = every court)."""
    court_code = court_code.strip().upper()
    if claims.is_service or claims.has_role("admin"):
        return court_code
    if not claims.court_code:
        raise Forbidden("權限不足：帳號未設定所屬法院")
    claims.require_court(court_code or claims.court_code)
    return claims.court_code


def may_see(claims: Claims, court_code: str) -> bool:
    return claims.is_service or claims.has_role("admin") or claims.court_code == court_code


def require_reviewer(claims: Claims) -> None:
    """Decisions are a person's: a clerk (of the court concerned) or an admin."""
    if claims.is_service or not claims.has_role("clerk", "admin"):
        raise Forbidden("權限不足：只有法院書記官或系統管理者可以審核")


def passed_on(error: grpc.RpcError) -> Exception:
    """The owning service's refusal, with its zh-TW message, as our own domain error;
    anything else (unavailable, internal) stays as it is."""
    code = error.code() if isinstance(error, grpc.Call) else None
    message = error.details() if isinstance(error, grpc.Call) else ""
    kinds: dict[Any, type[ServiceError]] = {
        grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
        grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
        grpc.StatusCode.NOT_FOUND: NotFound,
        grpc.StatusCode.ABORTED: Aborted,
    }
    kind = kinds.get(code)
    if kind is None:
        return error
    return kind(message or "", fields=field_violations(error))


class ReviewWorkflowServicer(pb_grpc.ReviewWorkflowServiceServicer):
    def __init__(self, db: Database, outbox: Outbox, photo_storage: Client, identity: Client):
        self.db = db
        self.outbox = outbox
        self.photo_storage = photo_storage
        self.identity = identity

    # -- submissions ------------------------------------------------------------------

    def ListSubmissions(self, request: pb.ListSubmissionsRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("clerk", "admin")
        court_code = listed_court(claims, request.court_code)
        if request.state and request.state not in STATES:
            raise InvalidArgument("查詢條件有誤", fields={"state": "無此審核狀態"})
        query = select(Submission)
        if court_code:
            query = query.where(Submission.court_code == court_code)
        if request.state:
            query = query.where(Submission.state == request.state)
        with self.db.transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            page = page_of(request.page, request.page_size, total)
            rows = session.scalars(
                query.order_by(Submission.submitted_at.desc(), Submission.id)
                .limit(page.size)
                .offset(page.offset)
            )
            return pb.ListSubmissionsResponse(
                submissions=[submission_message(s) for s in rows],
                total=total,
                page=page.number,
                page_count=page.count,
            )

    def GetSubmission(self, request: pb.GetSubmissionRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("clerk", "admin")
        with self.db.transaction() as session:
            return submission_message(self._visible(session, claims, request.submission_id))

    def DecideSubmission(self, request: pb.DecideSubmissionRequest, context: object) -> object:
        claims = current_claims()
        require_reviewer(claims)
        validate_decision(request)
        with self.db.transaction() as session:
            submission = self._visible(session, claims, request.submission_id)
            if submission.state != PENDING:
                raise FailedPrecondition(ALREADY_DECIDED)
            photo_set_id, fingerprint = submission.photo_set_id, submission.fingerprint
        reasons = [
            {
                "photo_id": r.photo_id,
                "sequence": r.sequence,
                "reason_code": r.reason_code,
                "label": REJECTION_REASONS[r.reason_code],
                "text": r.text.strip(),
            }
            for r in request.reasons
        ]
        note = request.note.strip()
        self._apply_to_photo_set(
            request.submission_id,
            photo_set_id,
            fingerprint,
            request.approve,
            reasons,
            note,
            claims.display_id,
        )
        with self.db.transaction() as session:
            submission = session.scalar(
                select(Submission).where(Submission.id == request.submission_id).with_for_update()
            )
            assert submission is not None
            # Another reviewer's identical decision got here first. (A submission withdrawn
            # meanwhile is still decided: photo-storage accepted this print as current.)
            if submission.state in (APPROVED, REJECTED):
                raise FailedPrecondition(ALREADY_DECIDED)
            before = submission_snapshot(submission)
            submission.state = APPROVED if request.approve else REJECTED
            submission.decided_at = utcnow()
            submission.decided_by = claims.display_id
            submission.note = note
            submission.reasons = reasons
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                f"submission.{submission.state}",
                subject_type="submission",
                subject_id=submission.id,
                court_code=submission.court_code,
                before=before,
                after=submission_snapshot(submission),
            )
            message = submission_message(submission)
            self.outbox.add(
                session,
                pb.ReviewDecided(submission=message),
                subject=submission.id,
                trace_id=request_id_var.get(),
            )
            return message

    def _apply_to_photo_set(
        self,
        submission_id: str,
        photo_set_id: str,
        fingerprint: str,
        approve: bool,
        reasons: list[dict[str, Any]],
        note: str,
        reviewer: str,
    ) -> None:
        request = photo_pb.ApplyReviewDecisionRequest(
            photo_set_id=photo_set_id,
            fingerprint=fingerprint,
            decision_id=decision_id_of(submission_id),
            decision=photo_pb.DECISION_APPROVE if approve else photo_pb.DECISION_REJECT,
            rejections=[
                photo_pb.PhotoRejection(
                    photo_id=r["photo_id"],
                    reason_code=r["reason_code"],
                    reason=firm_facing_text(r["label"], r["text"]),
                )
                for r in reasons
            ],
            note=note,
            reviewer_account_id=reviewer,
        )
        try:
            photo_set = self.photo_storage.call("ApplyReviewDecision", request)
        except grpc.RpcError as error:
            # FAILED_PRECONDITION: the firm changed the set after printing; nothing decided.
            raise passed_on(error) from error
        # The same decision id with the other outcome: an earlier attempt (crashed before it
        # was recorded here) or another reviewer decided otherwise.
        opposite = (
            photo_pb.PHOTO_SET_STATUS_REJECTED if approve else photo_pb.PHOTO_SET_STATUS_APPROVED
        )
        if photo_set.status == opposite:
            raise FailedPrecondition(OTHER_DECISION_APPLIED)

    def _visible(self, session: Session, claims: Claims, submission_id: str) -> Submission:
        """The submission, if the caller may see it; another court's is not found."""
        submission = session.get(Submission, submission_id) if submission_id else None
        if submission is None or not may_see(claims, submission.court_code):
            raise NotFound(SUBMISSION_NOT_FOUND)
        return submission

    def ListRejectionReasons(
        self, request: pb.ListRejectionReasonsRequest, context: object
    ) -> object:
        current_claims().require_role("clerk", "judge", "admin")
        return pb.ListRejectionReasonsResponse(
            reasons=[
                pb.RejectionReason(code=code, label=label)
                for code, label in REJECTION_REASONS.items()
            ]
        )

    # -- firm applications ------------------------------------------------------------

    def DecideFirmApplication(
        self, request: pb.DecideFirmApplicationRequest, context: object
    ) -> object:
        claims = current_claims()
        require_reviewer(claims)
        reason = "" if request.approve else request.reason.strip()
        problems = {}
        if not request.application_id:
            problems["application_id"] = "請指定帳號申請"
        if not request.approve and not reason:
            problems["reason"] = "不予開通時請填寫理由"
        elif len(reason) > MAX_NOTE:
            problems["reason"] = f"理由不可超過 {MAX_NOTE} 字"
        if problems:
            raise InvalidArgument("資料有誤，請修正後再送出", fields=problems)

        with self.db.transaction() as session:
            earlier = self._decision_of(session, request.application_id)
            if earlier is not None:
                if not may_see(claims, earlier.court_code):
                    raise NotFound(APPLICATION_NOT_FOUND)
                return self._same_decision(earlier, request.approve, reason)
        application = self._application(claims, request.application_id)
        try:
            decided = self.identity.call(
                "DecideFirmApplication",
                identity_pb.DecideFirmApplicationRequest(
                    application_id=application.id,
                    approve=request.approve,
                    reason=reason,
                    decided_by=claims.display_id,
                ),
            )
        except grpc.RpcError as error:
            raise passed_on(error) from error
        with self.db.transaction() as session:
            earlier = self._decision_of(session, application.id)
            if earlier is not None:  # another reviewer's identical decision got here first
                return self._same_decision(earlier, request.approve, reason)
            decision = FirmApplicationDecision(
                application_id=application.id,
                court_code=application.court_code,
                approved=request.approve,
                reason=reason,
                account_id=decided.account_id,
                decided_by=claims.display_id,
                decided_at=utcnow(),
            )
            session.add(decision)
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                "firm_application.activated" if request.approve else "firm_application.refused",
                subject_type="firm_application",
                subject_id=application.id,
                court_code=application.court_code,
                before={
                    "status": "pending",
                    "company_name": application.company_name,
                    "email": application.email,
                },
                after={
                    "status": "activated" if request.approve else "refused",
                    "company_name": application.company_name,
                    "email": application.email,
                    "account_id": decision.account_id,
                    "reason": reason,
                    "decided_by": decision.decided_by,
                },
            )
            return decision_message(decision)

    def _application(self, claims: Claims, application_id: str) -> identity_pb.FirmApplication:
        """The application from identity, looked up within the clerk's own court (any court
        for an admin), so another court's application is not found."""
        court_code = "" if claims.has_role("admin") else claims.court_code
        if not court_code and not claims.has_role("admin"):
            raise Forbidden("權限不足：帳號未設定所屬法院")
        reply = self.identity.call(
            "ListFirmApplications", identity_pb.ListFirmApplicationsRequest(court_code=court_code)
        )
        for application in reply.applications:
            if application.id == application_id:
                return application
        raise NotFound(APPLICATION_NOT_FOUND)

    @staticmethod
    def _decision_of(session: Session, application_id: str) -> FirmApplicationDecision | None:
        return session.scalar(
            select(FirmApplicationDecision).where(
                FirmApplicationDecision.application_id == application_id
            )
        )

    @staticmethod
    def _same_decision(
        earlier: FirmApplicationDecision, approve: bool, reason: str
    ) -> pb.FirmApplicationDecision:
        """A repeated identical decision is answered with the recorded one; any other is
        refused."""
        if (earlier.approved, earlier.reason) != (approve, reason):
            raise FailedPrecondition(APPLICATION_ALREADY_DECIDED)
        return decision_message(earlier)

    # -- audit log --------------------------------------------------------------------

    def ListAuditEntries(self, request: pb.ListAuditEntriesRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("clerk", "admin")
        court_code = listed_court(claims, request.court_code)
        subject_ids = [request.subject_id] if request.subject_id else []
        with self.db.transaction() as session:
            total = audit_log.count(session, subject_ids=subject_ids, court_code=court_code)
            page = page_of(request.page, request.page_size, total)
            records = audit_log.entries(
                session,
                subject_ids=subject_ids,
                court_code=court_code,
                newest_first=True,
                limit=page.size,
                offset=page.offset,
            )
        return pb.ListAuditEntriesResponse(
            entries=audit_entry_messages(records, AUDIT_ACTION_LABELS), total=total
        )

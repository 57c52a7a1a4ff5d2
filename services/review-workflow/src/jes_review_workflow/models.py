"""Review-workflow's own tables: submissions to review, the court's decisions on firm
applications, and the audit log of every decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_db.audit import AuditLog
from jes_events import add_event_tables
from jes_review_workflow.domain.decisions import FirmDecisionState
from jes_review_workflow.domain.submissions import SubmissionState


class ReviewBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Submission(ReviewBase):
    """One printed version of a photo set handed to the court."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    photo_set_id: Mapped[str] = mapped_column(String(36), index=True)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    case_number: Mapped[str] = mapped_column(String(40))
    division: Mapped[str] = mapped_column(String(20), default="")
    batch: Mapped[int] = mapped_column(default=1)
    report_id: Mapped[str] = mapped_column(String(36))
    # Not unique: an unchanged rejected set printed again is a new submission of the
    # same print.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    set_version: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=0)
    previous_rejected_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    firm_account_id: Mapped[str] = mapped_column(String(100), default="")
    firm_name: Mapped[str] = mapped_column(String(100), default="")
    firm_email: Mapped[str] = mapped_column(String(254), default="")
    # A SubmissionState (domain/submissions.py).
    state: Mapped[str] = mapped_column(
        String(20), default=SubmissionState.PENDING.value, index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The reviewer's decision, recorded before photo-storage carries it out: "approve" or
    # "reject", who (login name and role, for review-workflow's own audit log; the owning
    # service takes who decided from the decision grant) and when.
    decision: Mapped[str] = mapped_column(String(10), default="")
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_by_role: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # [{photo_id, sequence, reason_code, label, text}], as decided (labels kept as shown).
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Carrying the decision out (state deciding): attempts so far, when the next is due.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    # Photo-storage's zh-TW reason when it refused the decision for good (not_applied).
    not_applied_reason: Mapped[str] = mapped_column(Text, default="")
    # Identity's grant for this one decision, from the reviewer's token (grants.py): what
    # every attempt presents to photo-storage.
    decision_grant: Mapped[str] = mapped_column(Text, default="")


class FirmApplicationDecision(ReviewBase):
    """A court's decision on a firm's account application, recorded first; identity
    carries it out (idempotent per application), then the outcome is recorded."""

    __tablename__ = "firm_application_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(String(36), unique=True)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    approved: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text, default="")
    account_id: Mapped[str] = mapped_column(String(100), default="")
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_by_role: Mapped[str] = mapped_column(String(20), default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A FirmDecisionState (domain/decisions.py).
    state: Mapped[str] = mapped_column(
        String(20), default=FirmDecisionState.APPLIED.value, index=True
    )
    # The application as the clerk decided on it, for the audit entry.
    company_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    not_applied_reason: Mapped[str] = mapped_column(Text, default="")
    # Identity's grant for this one decision (grants.py); its decision id is `id`.
    decision_grant: Mapped[str] = mapped_column(Text, default="")


class CourtClosure(ReviewBase):
    """A day a court's offices were closed (a typhoon): no appraisal period ends on it."""

    __tablename__ = "court_closures"
    __table_args__ = (UniqueConstraint("court_code", "day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appraiser(ReviewBase):
    """One appraiser on one court's roster for one category (domain/appraisal/rotation)."""

    __tablename__ = "appraisers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)  # a Category
    name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int]
    standing: Mapped[str] = mapped_column(String(20))  # a Standing
    until: Mapped[date | None]
    standing_reason: Mapped[str] = mapped_column(Text, default="")
    # The rotation-log sequence of their last rotation turn (0: none yet).
    last_turn: Mapped[int] = mapped_column(default=0)
    qualification: Mapped[str] = mapped_column(Text, default="")
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppraisalAssignment(ReviewBase):
    """An appraiser assigned to a case, by rotation or off it, and a replacement (撤換)."""

    __tablename__ = "appraisal_assignments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    category: Mapped[str] = mapped_column(String(20))
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    division: Mapped[str] = mapped_column(String(20), default="")
    appraiser_id: Mapped[str] = mapped_column(String(36), index=True)
    off_rotation: Mapped[bool] = mapped_column(default=False)
    ground: Mapped[str] = mapped_column(String(30), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    assigned_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str] = mapped_column(String(100), default="")
    assigned_on: Mapped[date]
    # [{appraiser_id, name, reason}]: who the rotation passed over for this case.
    skips: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    replaced: Mapped[bool] = mapped_column(default=False)
    replaced_reason: Mapped[str] = mapped_column(Text, default="")
    refund_owed: Mapped[int] = mapped_column(default=0)


class RotationLogRow(ReviewBase):
    """One entry of a court's hash-chained rotation log (domain/appraisal/rotation_log):
    `content` is the canonical JSON that was hashed, kept as text so it verifies later."""

    __tablename__ = "rotation_log"
    __table_args__ = (UniqueConstraint("court_code", "sequence"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    appraiser_id: Mapped[str] = mapped_column(String(36), index=True)
    day: Mapped[date]
    content: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuctionOutcomeRow(ReviewBase):
    """An auction's outcome for an object an appraiser appraised, from the court's system."""

    __tablename__ = "auction_outcomes"
    __table_args__ = (UniqueConstraint("court_code", "outcome_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    outcome_id: Mapped[str] = mapped_column(String(100))
    case_number: Mapped[str] = mapped_column(String(40), default="")
    appraiser_id: Mapped[str] = mapped_column(String(36), index=True)
    category: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date]
    reserve_percent: Mapped[float]
    result: Mapped[str] = mapped_column(String(20))
    price_percent: Mapped[float] = mapped_column(default=0.0)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(ReviewBase.metadata)
audit_log = AuditLog(ReviewBase.metadata)
metadata = ReviewBase.metadata

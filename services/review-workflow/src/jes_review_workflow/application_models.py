"""Tables of appraiser applications and the qualification committee (seed 003, points 2
to 4 and 12): applications with their documents (the files are in the object store),
the committee's members, the matters put to it and each member's vote. Kept apart from
models.py so the appraiser work of parallel branches meets in fewer files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jes_db import new_id, utcnow
from jes_review_workflow.models import ReviewBase


class AppraiserApplicationRow(ReviewBase):
    """One application to be listed as an appraiser (domain/appraisal/applications)."""

    __tablename__ = "appraiser_applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    applicant_account_id: Mapped[str] = mapped_column(String(100), index=True)
    applicant_type: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))  # the roster it would join
    name: Mapped[str] = mapped_column(String(200))
    registration_number: Mapped[str] = mapped_column(String(200), default="")
    business_since: Mapped[date | None]
    office_address: Mapped[str] = mapped_column(String(200), index=True)
    office_phone: Mapped[str] = mapped_column(String(20))
    # [{name, id_number}]
    staff: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20), index=True)  # an ApplicationState
    # zh-TW, one per missing document, when handed in incomplete
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    roster_entry_id: Mapped[str] = mapped_column(String(36), default="")


class ApplicationDocumentRow(ReviewBase):
    """One uploaded file of one required document; the bytes are `object_key` in the
    object store's appraiser-documents bucket."""

    __tablename__ = "appraiser_application_documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    application_id: Mapped[str] = mapped_column(String(36), index=True)
    item: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeMemberRow(ReviewBase):
    """A member of a court's qualification committee for one term (point 4 II)."""

    __tablename__ = "committee_members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    account_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    chair: Mapped[bool] = mapped_column(default=False)
    term_from: Mapped[date]
    term_until: Mapped[date]
    appointed_by: Mapped[str] = mapped_column(String(100))
    appointed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeMatterRow(ReviewBase):
    """A matter for the committee: an application (qualification) or an appraiser
    (disqualification), with the records chief's opinion, the members it was put to and
    the result."""

    __tablename__ = "committee_matters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # a MatterKind
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    grounds: Mapped[list[int]] = mapped_column(JSON, default=list)  # disqualification
    evidence: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str] = mapped_column(Text, default="")  # the appraiser's written reply
    recommendation: Mapped[str] = mapped_column(String(20), default="")
    opinion: Mapped[str] = mapped_column(Text, default="")
    opinion_by: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(20), index=True)  # a MatterState
    # [account_id]: the members on the day it was put to the vote
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    put_by: Mapped[str] = mapped_column(String(100), default="")
    put_at: Mapped[datetime | None]
    passed: Mapped[bool | None]
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommitteeVoteRow(ReviewBase):
    """One member's vote on one matter; one each (the unique key makes a second one fail
    even when two arrive at once)."""

    __tablename__ = "committee_votes"
    __table_args__ = (UniqueConstraint("matter_id", "member_account_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    matter_id: Mapped[str] = mapped_column(String(36), index=True)
    member_account_id: Mapped[str] = mapped_column(String(100))
    vote: Mapped[str] = mapped_column(String(10))  # a Vote
    written: Mapped[bool] = mapped_column(default=False)  # a written vote the chair recorded
    recorded_by: Mapped[str] = mapped_column(String(100))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

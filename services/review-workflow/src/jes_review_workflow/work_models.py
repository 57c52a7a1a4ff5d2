"""Tables of an assigned appraiser's work (domain/appraisal/work): rows with last days,
the errors found in reports and the reports received. On review-workflow's one metadata
(models.ReviewBase)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jes_db import new_id, utcnow
from jes_review_workflow.models import ReviewBase


class WorkItemRow(ReviewBase):
    """One period of an assignment: payment, report, a notice's reply or a reminder's."""

    __tablename__ = "appraisal_work_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    assignment_id: Mapped[str] = mapped_column(String(36), index=True)
    appraiser_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # a DeadlineKind
    start: Mapped[date]
    days: Mapped[int]
    last_day: Mapped[date] = mapped_column(index=True)
    done_on: Mapped[date | None]
    closed: Mapped[str] = mapped_column(String(20), default="")  # a work.Closed, or ""
    subject: Mapped[str] = mapped_column(Text, default="")
    notice_id: Mapped[str] = mapped_column(String(36), default="", index=True)
    amount: Mapped[int] = mapped_column(default=0)
    fee_allowed: Mapped[int] = mapped_column(default=0)
    fee_approved: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None]
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportErrorRow(ReviewBase):
    """An error the division found in an appraiser's report (ground 12 counts them)."""

    __tablename__ = "appraisal_report_errors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    assignment_id: Mapped[str] = mapped_column(String(36), index=True)
    appraiser_id: Mapped[str] = mapped_column(String(36), index=True)
    description: Mapped[str] = mapped_column(Text)
    found_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppraisalReportRow(ReviewBase):
    """A report received (domain/appraisal/report); the PDF is in the object store."""

    __tablename__ = "appraisal_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    court_code: Mapped[str] = mapped_column(String(3), index=True)
    assignment_id: Mapped[str] = mapped_column(String(36), index=True)
    appraiser_id: Mapped[str] = mapped_column(String(36), index=True)
    category: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    pages: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    report_date: Mapped[date]
    address: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(20))
    total_fee: Mapped[int]
    fee_allowed: Mapped[int]
    # {item code: "present" | "not_applicable"}
    items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    photo_set_id: Mapped[str] = mapped_column(String(36), default="")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_on: Mapped[date]
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

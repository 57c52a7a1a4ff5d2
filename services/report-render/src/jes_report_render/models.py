"""Report-render's own table: every rendered PDF."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import TYPE_ANNOTATION_MAP, new_id, utcnow
from jes_events import add_event_tables


class RenderBase(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Report(RenderBase):
    __tablename__ = "reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    object_key: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int]
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # what a download is named (Content-Disposition): case, batch and print count
    # (114年度司執字第12345號_批次1_第2次列印.pdf)
    download_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # whose it is (GetReportUrl): the firm account (token subject) and the court
    owner_account_id: Mapped[str] = mapped_column(String(36), default="", server_default="")
    court_code: Mapped[str] = mapped_column(String(3), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


event_tables = add_event_tables(RenderBase.metadata)
metadata = RenderBase.metadata

"""A short-lived link to a kept report."""

from __future__ import annotations

from typing import Any

from jes_auth import Claims
from jes_db import Database
from jes_domain import NotFound
from jes_report_render.domain.access import Owner, require_report_reader
from jes_report_render.domain.reports import BUCKET, NOT_FOUND, URL_LIFETIME
from jes_report_render.models import Report


class ReportUrls:
    def __init__(self, db: Database, store: Any):
        self.db = db
        self.store = store

    def __call__(self, report_id: str, claims: Claims) -> str:
        """The link, after the ownership check: another firm's report, or another court's,
        is not found."""
        with self.db.transaction() as session:
            report = session.get(Report, report_id)
            if report is None:
                raise NotFound(NOT_FOUND)
            require_report_reader(claims, Owner(report.owner_account_id, report.court_code))
            return str(
                self.store.presigned_get(
                    BUCKET, report.object_key, URL_LIFETIME, download_name=report.download_name
                )
            )

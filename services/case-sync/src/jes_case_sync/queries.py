"""Reading a case's progress, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from jes_case_sync.case_store import find_case
from jes_case_sync.domain.cases import CASE_NOT_FOUND, CaseKey, listed_entries
from jes_case_sync.models import ProgressEntry
from jes_db import Database
from jes_domain import NotFound


@dataclass(frozen=True)
class ListedEntry:
    source_entry_id: str
    posted_on: date
    item: str


class ProgressQueries:
    def __init__(self, db: Database):
        self.db = db

    def latest(self, key: CaseKey, limit: int) -> list[ListedEntry]:
        with self.db.transaction() as session:
            case = find_case(session, key)
            if case is None:
                raise NotFound(CASE_NOT_FOUND)
            entries = session.scalars(
                select(ProgressEntry)
                .where(ProgressEntry.case_id == case.id, ProgressEntry.withdrawn_at.is_(None))
                .order_by(ProgressEntry.posted_on.desc(), ProgressEntry.ingested_at.desc())
                .limit(listed_entries(limit))
            ).all()
            return [ListedEntry(e.source_entry_id, e.posted_on, e.item) for e in entries]

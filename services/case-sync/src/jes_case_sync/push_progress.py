"""A court system pushes a progress entry: it is kept once per source entry id, and a new
one is announced (ProgressEntryAdded, with the case's followers) in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.case_store import case_of
from jes_case_sync.domain.cases import CaseKey, ProgressInput, category_value, validate_progress
from jes_case_sync.domain.followers import role_value
from jes_case_sync.models import Follower, ProgressEntry
from jes_db import Database, utcnow
from jes_events import Outbox
from jes_grpckit import request_id_var


class PushProgress:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    def __call__(self, key: CaseKey, entry: ProgressInput) -> tuple[str, bool]:
        """(case id, whether the entry is new)."""
        posted_on = validate_progress(key, entry)
        with self.db.transaction() as session:
            case = case_of(session, key)
            known = session.scalar(
                select(ProgressEntry).where(
                    ProgressEntry.case_id == case.id,
                    ProgressEntry.source_entry_id == entry.source_entry_id,
                )
            )
            if known is not None:  # a court system re-sent it: nothing new to announce
                return case.id, False
            row = ProgressEntry(
                case_id=case.id,
                source_entry_id=entry.source_entry_id,
                posted_on=posted_on,
                item=entry.item.strip(),
            )
            session.add(row)
            session.flush()
            followers = session.scalars(
                select(Follower).where(Follower.case_id == case.id).order_by(Follower.email)
            ).all()
            event = events.ProgressEntryAdded(
                case_id=case.id,
                case=cases_pb2.CaseKey(
                    court_code=key.court_code,
                    category=category_value(key.category),  # type: ignore[arg-type]
                    year=key.year,
                    word=key.word,
                    number=key.number,
                ),
                entry=cases_pb2.ProgressEntry(
                    source_entry_id=entry.source_entry_id,
                    posted_on=entry.posted_on,
                    item=entry.item,
                ),
                entry_id=row.id,
                follower_emails=[f.email for f in followers],
                followers=[
                    events.Follower(
                        follow_id=f.id,
                        email=f.email,
                        role=role_value(f.role),  # type: ignore[arg-type]
                    )
                    for f in followers
                ],
            )
            event.ingested_at.FromDatetime(utcnow())
            self.outbox.add(session, event, subject=case.id, trace_id=request_id_var.get())
            return case.id, True

"""A court system pushes a progress entry: it is kept once per source entry id, and a new
one is announced (ProgressEntryAdded, with the case's followers) in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from jes.case_sync.v1 import case_sync_pb2 as pb
from jes_case_sync.case_store import case_of
from jes_case_sync.domain.cases import CaseKey, ProgressInput, validate_progress
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
            session.add(
                ProgressEntry(
                    case_id=case.id,
                    source_entry_id=entry.source_entry_id,
                    posted_on=posted_on,
                    item=entry.item.strip(),
                )
            )
            followers = session.scalars(
                select(Follower.email).where(Follower.case_id == case.id).order_by(Follower.email)
            ).all()
            event = pb.ProgressEntryAdded(
                case_id=case.id,
                case=pb.CaseKey(**key.fields()),
                entry=pb.ProgressEntry(
                    source_entry_id=entry.source_entry_id,
                    posted_on=entry.posted_on,
                    item=entry.item,
                ),
                follower_emails=list(followers),
            )
            event.ingested_at.FromDatetime(utcnow())
            self.outbox.add(session, event, subject=case.id, trace_id=request_id_var.get())
            return case.id, True

"""What every use case works with: the database, the outbox, the clock, the trace id."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from jes_db import Database, utcnow
from jes_events import Outbox
from jes_zhtw import to_taipei


def no_trace_id() -> str:
    return ""


def taipei_today() -> date:
    """Today in Taiwan: what "not in the future" and the cut-off are counted in."""
    return to_taipei(utcnow()).date()


@dataclass(frozen=True)
class Infrastructure:
    db: Database
    outbox: Outbox
    today: Callable[[], date] = taipei_today
    now: Callable[[], datetime] = utcnow
    # the id of the request being served, carried into events (set by the transport)
    trace_id: Callable[[], str] = no_trace_id

    def publish(self, session: Session, event: Message, subject: str) -> None:
        """Add `event` to the outbox in the caller's transaction."""
        self.outbox.add(session, event, subject=subject, trace_id=self.trace_id())

    def publish_many(self, session: Session, events: Sequence[tuple[Message, str]]) -> None:
        """Add (event, subject) pairs to the outbox with one statement, in order."""
        self.outbox.add_many(session, events, trace_id=self.trace_id())

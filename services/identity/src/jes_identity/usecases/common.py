"""What every use case works with: the database, the outbox and the request's trace id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from jes_db import Database
from jes_events import Outbox


def no_trace_id() -> str:
    return ""


@dataclass(frozen=True)
class Infrastructure:
    db: Database
    outbox: Outbox
    # the id of the request being served, carried into events (set by the transport)
    trace_id: Callable[[], str] = no_trace_id

    def publish(self, session: Session, event: Message, subject: str) -> None:
        """Add `event` to the outbox in the caller's transaction."""
        self.outbox.add(session, event, subject=subject, trace_id=self.trace_id())

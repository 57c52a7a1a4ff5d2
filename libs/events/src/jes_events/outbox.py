"""Transactional outbox: the event is written in the same transaction as the state change."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from google.protobuf.message import Message
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from jes_db import new_ids, utcnow
from jes_db.bulk import bulk_insert
from jes_events.tables import EventTables
from jes_protos import Envelope, make_envelope

__all__ = ["Outbox"]

log = logging.getLogger("jes.events.outbox")

_clock_lock = threading.Lock()
_last_created_at = datetime.min.replace(tzinfo=utcnow().tzinfo)
_NOTIFY_KEY = "jes_events.notify_on_commit"


def _created_at() -> datetime:
    """The current time, strictly increasing within the process.

    The relay publishes in `created_at` order; two events added one after the other (the
    same aggregate, the same transaction) must never share a timestamp.
    """
    global _last_created_at
    with _clock_lock:
        now = utcnow()
        if now <= _last_created_at:
            now = _last_created_at + timedelta(microseconds=1)
        _last_created_at = now
        return now


def _created_times(count: int) -> list[datetime]:
    """`count` times for the events of one add_many, as `count` calls of _created_at
    would give (strictly increasing, after every earlier one), under one lock."""
    global _last_created_at
    with _clock_lock:
        now = utcnow()
        if now <= _last_created_at:
            now = _last_created_at + timedelta(microseconds=1)
        times = [now + timedelta(microseconds=n) for n in range(count)]
        if times:
            _last_created_at = times[-1]
        return times


class Outbox:
    """Adds events of one producing service to its `outbox` table.

    `on_commit` (for instance `OutboxRelay.notify`) is called after the transaction that
    added events commits, so the relay publishes at once instead of at its next poll.
    """

    def __init__(
        self,
        tables: EventTables,
        source: str,
        topic: str,
        *,
        on_commit: Callable[[], None] | None = None,
    ):
        self.tables = tables
        self.source = source
        self.topic = topic
        self.on_commit = on_commit

    def add(self, session: Session, payload: Message, subject: str, trace_id: str = "") -> Envelope:
        """Insert the event in the caller's transaction; it is published only if that commits.

        `subject` is the aggregate id; it becomes the message key.
        """
        created_at = _created_at()
        envelope = make_envelope(
            payload, source=self.source, subject=subject, trace_id=trace_id, time=created_at
        )
        session.execute(
            insert(self.tables.outbox).values(
                id=envelope.id,
                topic=self.topic,
                key=subject,
                value=envelope.SerializeToString(),
                created_at=created_at,
                published_at=None,
            )
        )
        log.debug(
            "outbox: added event %s type=%s subject=%s",
            envelope.id,
            envelope.type,
            subject,
            extra={"event_id": envelope.id, "event_type": envelope.type, "trace_id": trace_id},
        )
        if self.on_commit is not None and not session.info.get(_NOTIFY_KEY):
            session.info[_NOTIFY_KEY] = True
            event.listen(session, "after_commit", self._committed, once=True)
        return envelope

    def add_many(
        self, session: Session, events: Sequence[tuple[Message, str]], trace_id: str = ""
    ) -> list[Envelope]:
        """Insert many events (payload, subject) in the caller's transaction with one
        statement (a bulk ingest adds thousands); they keep the order given."""
        envelopes: list[Envelope] = []
        rows = []
        for (payload, subject), event_id, created_at in zip(
            events, new_ids(len(events)), _created_times(len(events)), strict=True
        ):
            envelope = make_envelope(
                payload,
                source=self.source,
                subject=subject,
                trace_id=trace_id,
                event_id=event_id,
                time=created_at,
            )
            envelopes.append(envelope)
            rows.append(
                {
                    "id": envelope.id,
                    "topic": self.topic,
                    "key": subject,
                    "value": envelope.SerializeToString(),
                    "created_at": created_at,
                    "published_at": None,
                }
            )
        if not rows:
            return envelopes
        bulk_insert(session, self.tables.outbox, rows)
        log.debug("outbox: added %d events", len(rows), extra={"trace_id": trace_id})
        if self.on_commit is not None and not session.info.get(_NOTIFY_KEY):
            session.info[_NOTIFY_KEY] = True
            event.listen(session, "after_commit", self._committed, once=True)
        return envelopes

    def _committed(self, session: Session) -> None:
        session.info.pop(_NOTIFY_KEY, None)
        if self.on_commit is not None:
            self.on_commit()

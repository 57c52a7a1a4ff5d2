"""The outbox relay: publishes committed outbox rows to the bus, then marks them published."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import Row, Select, delete, func, select, update
from sqlalchemy.orm import Session

from jes_db import Database, utcnow
from jes_db.bulk import one_of
from jes_events import metrics
from jes_events.background import BackgroundLoop, doubling
from jes_events.bus import Bus, OutgoingMessage
from jes_events.tables import EventTables
from jes_protos import Envelope

__all__ = ["OutboxRelay"]

log = logging.getLogger("jes.events.relay")


class OutboxRelay:
    """A background thread that moves a service's outbox to the event bus.

    A row is marked published only after the bus confirmed it, so a crash at any point
    leads at worst to publishing it again; consumers de-duplicate by event id.
    """

    def __init__(
        self,
        database: Database,
        tables: EventTables,
        bus: Bus,
        service: str,
        *,
        batch_size: int = 100,
        # While rounds come back full (a backlog), each next round takes twice as many
        # rows, up to this: fewer database and bus round trips an event. A round that
        # finds fewer than it asked for goes back to batch_size.
        max_batch_size: int = 1000,
        # Each poll is a database transaction, and every service of a process has a
        # relay: poll rarely. Outbox(on_commit=relay.notify) wakes it at once for its own
        # commits; the poll only finds rows nobody told it about (after a restart).
        poll_interval: float = 1.0,
        backlog_interval: float = 10.0,  # jes_outbox_backlog: a count of the outbox
        retention: timedelta = timedelta(days=7),
        purge_interval: float = 3600.0,
    ):
        self.database = database
        self.outbox = tables.outbox
        self.bus = bus
        self.service = service
        self.batch_size = batch_size
        self.max_batch_size = max(max_batch_size, batch_size)
        self._batch = batch_size  # the next round's size
        self._last_full = False
        self.poll_interval = poll_interval
        self.backlog_interval = backlog_interval
        self.retention = retention
        self.purge_interval = purge_interval
        # PostgreSQL: replicas share the outbox; each locks the rows it publishes and skips
        # the rows another holds. SQLite has one writer at a time and no such clause.
        self._skip_locked = database.engine.dialect.name == "postgresql"
        self._next_backlog = 0.0
        self._next_purge = time.monotonic()
        # The bus or the database away: the rows stay unpublished, try later.
        self._loop = BackgroundLoop(
            f"outbox-relay-{service}", self._round, after_failure=doubling(0.5, 10.0), logger=log
        )

    # -- the work -----------------------------------------------------------------------

    def run_once(self) -> int:
        """Publish one batch of unpublished rows (oldest first); returns how many.

        The batch doubles after a full round (up to max_batch_size) and falls back to
        batch_size after one that was not."""
        asked = self._batch
        published = self._run_batch(asked)
        self._last_full = published >= asked
        self._batch = min(asked * 2, self.max_batch_size) if self._last_full else self.batch_size
        return published

    def _run_batch(self, limit: int) -> int:
        if self._skip_locked:
            # The row locks are held while publishing, so no other replica takes them.
            with self.database.transaction() as session:
                rows = self._pending(session, limit)
                if rows:
                    self._publish(rows)
                    self._mark_published(session, rows)
        else:
            # SQLite: a transaction holds the whole database's write lock, so do not keep
            # one open while waiting for the bus.
            with self.database.transaction() as session:
                rows = self._pending(session, limit)
            if rows:
                self._publish(rows)
                with self.database.transaction() as session:
                    self._mark_published(session, rows)
        if rows:
            for topic, count in Counter(row.topic for row in rows).items():
                metrics.EVENTS_PUBLISHED.labels(self.service, topic).inc(count)
            if log.isEnabledFor(logging.DEBUG):  # the type is inside the envelope
                for row in rows:
                    event_type = Envelope.FromString(row.value).type
                    log.debug(
                        "relay %s: published event %s (%s) to %s",
                        self.service,
                        row.id,
                        event_type,
                        row.topic,
                        extra={"event_id": row.id, "event_type": event_type, "topic": row.topic},
                    )
            log.info("relay %s: published %d events", self.service, len(rows))
        return len(rows)

    def pending_query(self, limit: int) -> Select:
        """The oldest `limit` unpublished rows (read through the outbox's partial index
        `ix_outbox_unpublished`, whatever the backlog)."""
        outbox = self.outbox
        query = (
            select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
        )
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True)
        return query

    def _pending(self, session: Session, limit: int) -> list[Row]:
        return list(session.execute(self.pending_query(limit)).all())

    def _publish(self, rows: list[Row]) -> None:
        self.bus.publish_many([OutgoingMessage(row.topic, row.key, row.value) for row in rows])

    def _mark_published(self, session: Session, rows: list[Row]) -> None:
        session.execute(
            update(self.outbox)
            .where(one_of(session, self.outbox.c.id, [row.id for row in rows]))
            .values(published_at=utcnow())
        )

    def backlog(self) -> int:
        """Count the unpublished rows and report them as jes_outbox_backlog."""
        with self.database.engine.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(self.outbox)
                .where(self.outbox.c.published_at.is_(None))
            ).scalar_one()
        metrics.OUTBOX_BACKLOG.labels(self.service).set(count)
        return int(count)

    def purge(self) -> int:
        """Delete rows published longer ago than the retention period (kept to debug)."""
        cutoff = utcnow() - self.retention
        with self.database.transaction() as session:
            result = session.execute(delete(self.outbox).where(self.outbox.c.published_at < cutoff))
        deleted = int(getattr(result, "rowcount", 0) or 0)
        if deleted:
            log.info(
                "relay %s: purged %d outbox rows published before %s",
                self.service,
                deleted,
                cutoff.isoformat(),
            )
        return deleted

    # -- the thread ---------------------------------------------------------------------

    def notify(self) -> None:
        """Wake the relay now (call after committing events)."""
        self._loop.notify()

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batch in hand and stop."""
        self._loop.stop(timeout)

    def _round(self) -> float:
        try:
            self.run_once()
        finally:
            self._housekeeping()
        # a full batch: there is probably more
        return 0.0 if self._last_full else self.poll_interval

    def _housekeeping(self) -> None:
        now = time.monotonic()
        try:
            if now >= self._next_backlog:
                self._next_backlog = now + self.backlog_interval
                self.backlog()
            if now >= self._next_purge:
                self._next_purge = now + self.purge_interval
                self.purge()
        except Exception:
            log.exception("relay %s: outbox housekeeping failed", self.service)

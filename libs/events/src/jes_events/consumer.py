"""Idempotent event consumers: effect and de-duplication in one transaction, then commit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from google.protobuf.message import DecodeError, Message
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from jes_db import Database, utcnow
from jes_domain import InvalidArgument
from jes_events import metrics
from jes_events.background import BackgroundLoop, doubling
from jes_events.bus import Bus, BusConsumer, Record, dead_letter_topic
from jes_events.tables import EventTables
from jes_protos import Envelope

__all__ = ["BatchHandler", "EventConsumer", "Handler"]

log = logging.getLogger("jes.events.consumer")

Handler = Callable[[Session, Envelope], None]
"""Applies one event inside the consumer's transaction; raises to have it retried."""

BatchHandler = Callable[[Session, list[Envelope]], None]
"""Applies several events of one type together (a poll's consecutive run of them) inside
the consumer's transaction; raises to have them tried again one by one."""

OK = "ok"
DUPLICATE = "duplicate"
RETRY = "retry"
DEAD_LETTER = "dead_letter"


class EventConsumer:
    """Consumes `topics` as consumer group `group` (the consuming service's name).

    For each message: in one database transaction, skip it if its event id is already in
    `processed_events`, else run the handler for its type and record the id; then commit
    the offset. A crash anywhere replays at most the messages after the last commit, and
    the replay is recognised as a duplicate. A handler that keeps failing sends the
    message to `<topic>.dlq` after `max_attempts`, so one bad event does not stop the rest.

    `batch_handlers` (by type, like `handlers`): a poll's consecutive run of events of
    such a type is applied by one call with the list, in one savepoint, with the events
    already processed left out. If that call fails, the run is applied one by one (the
    batch handler called with one event, unless `handlers` has one for the type), so a
    bad event is retried and dead-lettered alone as before.
    """

    def __init__(
        self,
        database: Database,
        tables: EventTables,
        bus: Bus,
        group: str,
        topics: Sequence[str],
        handlers: Mapping[str | type[Message], Handler],
        max_attempts: int = 5,
        *,
        retry_backoff: float = 0.2,
        poll_timeout: float = 0.5,
        batch_size: int = 100,
        max_batch_size: int = 1000,
        batch_handlers: Mapping[str | type[Message], BatchHandler] | None = None,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.database = database
        self.processed = tables.processed_events
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self.handlers: dict[str, Handler] = {
            key if isinstance(key, str) else key.DESCRIPTOR.full_name: handler
            for key, handler in handlers.items()
        }
        self.batch_handlers: dict[str, BatchHandler] = {
            key if isinstance(key, str) else key.DESCRIPTOR.full_name: handler
            for key, handler in (batch_handlers or {}).items()
        }
        for name, batch_handler in self.batch_handlers.items():
            # one by one (a failed batch, retries): the batch handler with a list of one
            self.handlers.setdefault(name, _one_at_a_time(batch_handler))
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.poll_timeout = poll_timeout
        self.batch_size = batch_size
        self.max_batch_size = max(max_batch_size, batch_size)
        self._batch = batch_size  # the next poll's size
        self._consumer: BusConsumer | None = None
        self._topics_ready = False
        # The bus or the database away: start again from the committed offset, later.
        self._loop = BackgroundLoop(
            f"event-consumer-{group}",
            self._round,
            after_failure=doubling(0.5, 10.0),
            on_failure=self._close_consumer,
            on_exit=self._close_consumer,
            logger=log,
        )
        self._next_lag_report = 0.0
        # the last poll came back full: more is probably waiting
        self.behind = False

    # -- one poll -----------------------------------------------------------------------

    def run_once(self, timeout: float | None = None) -> int:
        """Poll once and handle what came; returns how many messages were committed.

        The messages go in one database transaction (a savepoint each) and one offset
        commit, as far as they apply cleanly at the first try; one that does not is
        handled alone (retries, dead letter), then the batch goes on after it.

        A poll asks for up to twice as many after a full one (a backlog: each poll costs a
        transaction and an offset commit, so bigger ones drain it sooner), up to
        max_batch_size, and for batch_size again after one that was not full."""
        consumer = self._get_consumer()
        asked = self._batch
        records = consumer.poll(self.poll_timeout if timeout is None else timeout, asked)
        self.behind = len(records) >= asked
        self._batch = min(asked * 2, self.max_batch_size) if self.behind else self.batch_size
        done = 0
        try:
            while done < len(records):
                applied, failure = self._apply_batch(records[done:])
                if applied:
                    # only now: effects committed
                    commit_through(consumer, records[done : done + applied])
                    done += applied
                if done == len(records) or self._loop.stopping:
                    break  # all done, or a graceful stop: the message in hand is finished
                # records[done] did not apply at its first try (or is not an envelope)
                if self._handle(records[done], failure) is None:
                    break  # stopping during a retry: leave it for the next consumer
                consumer.commit(records[done])
                done += 1
                if self._loop.stopping:
                    break
        finally:
            if done < len(records):
                # The rest of the batch was polled but not handled; a new consumer starts
                # again from the committed offset, so none of it is skipped.
                self._close_consumer()
        if time.monotonic() >= self._next_lag_report:
            try:
                self.report_lag()
            except Exception:  # only a metric: never a reason to stop consuming
                log.warning("consumer %s: reading the lag failed", self.group, exc_info=True)
        return done

    def _get_consumer(self) -> BusConsumer:
        if not self._topics_ready:
            self.bus.ensure_topics([*self.topics, *map(dead_letter_topic, self.topics)])
            self._topics_ready = True
        if self._consumer is None:
            self._consumer = self.bus.consumer(self.group, self.topics)
        return self._consumer

    def _close_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception:
                log.warning(
                    "consumer %s: closing the bus consumer failed", self.group, exc_info=True
                )

    def _handle(self, record: Record, first_failure: Exception | None = None) -> str | None:
        """Apply one message; returns the outcome, or None when stopped before finishing.
        `first_failure`: its first attempt was made in a batch, and failed so."""
        try:
            envelope = Envelope.FromString(record.value)
            if not envelope.id:
                raise ValueError("the envelope has no event id")
        except (DecodeError, ValueError) as exc:
            # Not an envelope: no retry can help.
            self._dead_letter(record, None, exc, attempts=1)
            return DEAD_LETTER
        handler = self.handlers.get(envelope.type)
        context = {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "topic": record.topic,
            "trace_id": envelope.trace_id,
        }
        for attempt in range(1, self.max_attempts + 1):
            try:
                if attempt == 1 and first_failure is not None:
                    raise first_failure
                outcome = self._apply(envelope, handler)
            except Exception as exc:
                # An event the rules refuse (InvalidArgument) stays refused: retrying
                # only delays the dead letter and the operator's look at it.
                if attempt >= self.max_attempts or isinstance(exc, InvalidArgument):
                    self._dead_letter(record, envelope, exc, attempts=attempt)
                    return DEAD_LETTER
                metrics.EVENTS_CONSUMED.labels(self.group, record.topic, RETRY).inc()
                log.warning(
                    "consumer %s: event %s (%s) failed, attempt %d of %d: %r",
                    self.group,
                    envelope.id,
                    envelope.type,
                    attempt,
                    self.max_attempts,
                    exc,
                    extra=context,
                )
                if self._loop.sleep(self.retry_backoff * 2 ** (attempt - 1)):
                    return None
            else:
                self._count(record, envelope, outcome)
                return outcome
        raise AssertionError("unreachable")

    def _count(self, record: Record, envelope: Envelope, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(self.group, record.topic, outcome).inc()
        log.debug(
            "consumer %s: event %s (%s) %s%s",
            self.group,
            envelope.id,
            envelope.type,
            outcome,
            ""
            if outcome == DUPLICATE or envelope.type in self.handlers
            else " (no handler, skipped)",
            extra={"event_id": envelope.id, "event_type": envelope.type, "topic": record.topic},
        )

    def _apply(self, envelope: Envelope, handler: Handler | None) -> str:
        with self.database.transaction() as session:
            return self._apply_in(session, envelope, handler)

    def _apply_in(self, session: Session, envelope: Envelope, handler: Handler | None) -> str:
        processed = self.processed
        seen = session.execute(
            select(processed.c.event_id).where(
                processed.c.consumer_group == self.group,
                processed.c.event_id == envelope.id,
            )
        ).first()
        if seen is not None:
            return DUPLICATE
        if handler is not None:
            handler(session, envelope)
        # Unknown types are recorded too: skipped once, never looked at again.
        session.execute(
            insert(processed).values(
                consumer_group=self.group, event_id=envelope.id, processed_at=utcnow()
            )
        )
        return OK

    def _apply_batch(self, records: Sequence[Record]) -> tuple[int, Exception | None]:
        """Apply records from the first on in one transaction, up to the first that fails
        (or is not an envelope) or a stop: each in a savepoint, or a run of one type with
        a batch handler in one savepoint (one by one if that fails). Returns how many were
        applied and committed, and the failure of the one after them (None: none failed).
        """
        outcomes: list[tuple[Record, Envelope, str]] = []
        failure: Exception | None = None
        envelopes = _envelopes_of(records)  # up to the first that is not one
        with self.database.transaction() as session:
            index = 0
            one_by_one_until = 0  # a run whose batch failed goes one by one
            while index < len(envelopes):
                envelope = envelopes[index]
                batch_handler = self.batch_handlers.get(envelope.type)
                if batch_handler is not None and index >= one_by_one_until:
                    end = index + 1
                    while end < len(envelopes) and envelopes[end].type == envelope.type:
                        end += 1
                    if end - index > 1:
                        run = envelopes[index:end]
                        try:
                            with session.begin_nested():
                                run_outcomes = self._apply_many_in(session, run, batch_handler)
                        except Exception:
                            one_by_one_until = end
                            log.info(
                                "consumer %s: a batch of %d %s failed; one by one instead",
                                self.group,
                                len(run),
                                envelope.type,
                                exc_info=True,
                            )
                        else:
                            outcomes.extend(zip(records[index:end], run, run_outcomes, strict=True))
                            index = end
                            if self._loop.stopping:
                                break
                            continue
                try:
                    with session.begin_nested():
                        outcome = self._apply_in(
                            session, envelope, self.handlers.get(envelope.type)
                        )
                except Exception as exc:
                    failure = exc
                    break
                outcomes.append((records[index], envelope, outcome))
                index += 1
                if self._loop.stopping:
                    break  # graceful stop: the message in hand is finished
        for record, envelope, outcome in outcomes:
            self._count(record, envelope, outcome)
        return len(outcomes), failure

    def _apply_many_in(
        self, session: Session, envelopes: Sequence[Envelope], handler: BatchHandler
    ) -> list[str]:
        """Several events in one call of `handler`, those already processed left out;
        one statement to look them up and one to record them."""
        processed = self.processed
        ids = {envelope.id for envelope in envelopes}
        seen = set(
            session.scalars(
                select(processed.c.event_id).where(
                    processed.c.consumer_group == self.group,
                    processed.c.event_id.in_(ids),
                )
            )
        )
        fresh: list[Envelope] = []
        outcomes: list[str] = []
        for envelope in envelopes:
            if envelope.id in seen:
                outcomes.append(DUPLICATE)
            else:
                seen.add(envelope.id)  # the same event twice in one run: once
                fresh.append(envelope)
                outcomes.append(OK)
        if fresh:
            handler(session, fresh)
            now = utcnow()
            session.execute(
                insert(processed),
                [
                    {"consumer_group": self.group, "event_id": envelope.id, "processed_at": now}
                    for envelope in fresh
                ],
            )
        return outcomes

    def _dead_letter(
        self, record: Record, envelope: Envelope | None, error: Exception, attempts: int
    ) -> None:
        topic = dead_letter_topic(record.topic)
        # The value stays the original bytes, so the message can be replayed as it was.
        self.bus.publish(
            topic,
            record.key or "",
            record.value,
            {
                "jes-dlq-error": f"{type(error).__name__}: {error}"[:2000],
                "jes-dlq-group": self.group,
                "jes-dlq-topic": record.topic,
                "jes-dlq-partition": str(record.partition),
                "jes-dlq-offset": str(record.offset),
                "jes-dlq-attempts": str(attempts),
                "jes-dlq-time": datetime.now(UTC).isoformat(),
            },
        )
        metrics.EVENTS_CONSUMED.labels(self.group, record.topic, DEAD_LETTER).inc()
        metrics.DEAD_LETTERS.labels(self.group, record.topic).inc()
        event_id = envelope.id if envelope is not None else "?"
        event_type = envelope.type if envelope is not None else "?"
        log.error(
            "consumer %s: event %s (%s) from %s offset %d moved to %s after %d attempts: %r",
            self.group,
            event_id,
            event_type,
            record.topic,
            record.offset,
            topic,
            attempts,
            error,
            extra={"event_id": event_id, "event_type": event_type, "topic": record.topic},
        )

    def report_lag(self) -> dict[str, int]:
        """Report jes_consumer_lag for this group's topics (at most once a second)."""
        self._next_lag_report = time.monotonic() + 1.0
        if self._consumer is None:
            return {}
        lags = self._consumer.lag()
        for topic, lag in lags.items():
            metrics.CONSUMER_LAG.labels(self.group, topic).set(lag)
        return lags

    # -- the thread ---------------------------------------------------------------------

    def _round(self) -> float:
        self.run_once()  # waits up to poll_timeout for messages itself
        return 0.0

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the message in hand, then stop; the rest stays for the next start."""
        self._loop.stop(timeout)

    def close(self) -> None:
        """Release the bus consumer (for callers of run_once without the thread)."""
        self._close_consumer()


def _one_at_a_time(batch_handler: BatchHandler) -> Handler:
    def handle(session: Session, envelope: Envelope) -> None:
        batch_handler(session, [envelope])

    return handle


def _envelopes_of(records: Sequence[Record]) -> list[Envelope]:
    """The records' envelopes, up to the first record that is not one (or has no id)."""
    envelopes: list[Envelope] = []
    for record in records:
        try:
            envelope = Envelope.FromString(record.value)
        except DecodeError:
            break
        if not envelope.id:
            break
        envelopes.append(envelope)
    return envelopes


def commit_through(consumer: BusConsumer, records: Sequence[Record]) -> None:
    """Commit past each (topic, partition)'s last record: a poll can bring several, and
    committing only the batch's last record would leave the others to be read again."""
    last: dict[tuple[str, int], Record] = {}
    for record in records:  # in offset order within each (topic, partition)
        last[(record.topic, record.partition)] = record
    for record in last.values():
        consumer.commit(record)

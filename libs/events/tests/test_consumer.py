"""EventConsumer on SQLite and the embedded bus."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import insert, select

from jes.photo_storage.v1 import photo_storage_pb2
from jes_db import Database
from jes_domain import InvalidArgument
from jes_events import EventConsumer, Outbox, OutboxRelay, dead_letter_topic
from jes_events.embedded import EmbeddedBus
from jes_protos import Envelope, make_envelope

TOPIC = "jes.identity.events"
APPLIED = "jes.identity.v1.FirmAccountApplied"


def publish(bus, envelope: Envelope) -> None:
    bus.publish(TOPIC, envelope.subject, envelope.SerializeToString())


def recording_handler(service, calls: list[str]):
    """Applies an event: one row in the consumer's own table, in the given session."""

    def handle(session, envelope: Envelope) -> None:
        calls.append(envelope.id)
        session.execute(insert(service.effects).values(event_id=envelope.id))

    return handle


def effect_ids(service) -> list[str]:
    with service.db.engine.connect() as conn:
        return [row.event_id for row in conn.execute(select(service.effects.c.event_id))]


def make_consumer(service, bus, handlers, **options) -> EventConsumer:
    return EventConsumer(
        service.db, service.tables, bus, service.name, [TOPIC], handlers, **options
    )


def test_each_event_is_applied_once_and_a_replay_is_skipped(consumer_db, bus, payload, metric):
    first, second = (make_envelope(payload(n), source="identity", subject="a") for n in (1, 2))
    publish(bus, first)
    publish(bus, first)  # the relay published it twice (crashed before marking it)
    publish(bus, second)
    calls: list[str] = []
    consumer = make_consumer(consumer_db, bus, {APPLIED: recording_handler(consumer_db, calls)})

    assert consumer.run_once() == 3
    assert consumer.run_once(timeout=0.1) == 0
    consumer.close()

    assert calls == [first.id, second.id]
    assert effect_ids(consumer_db) == [first.id, second.id]
    assert consumer_db.count(consumer_db.tables.processed_events) == 2
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 2
    assert metric("jes_events_consumed_total", outcome="duplicate", **labels) == 1
    assert metric("jes_consumer_lag", **labels) == 0


def test_handlers_may_be_keyed_by_payload_class(consumer_db, bus, payload):
    publish(bus, make_envelope(payload(1), source="identity", subject="a"))
    calls: list[str] = []
    handlers = {type(payload(1)): recording_handler(consumer_db, calls)}
    consumer = make_consumer(consumer_db, bus, handlers)
    assert consumer.run_once() == 1
    assert len(calls) == 1


def test_unknown_types_are_recorded_and_skipped(consumer_db, bus, metric):
    other = make_envelope(photo_storage_pb2.PhotoUploaded(), source="photo-storage", subject="p")
    publish(bus, other)
    consumer = make_consumer(consumer_db, bus, {})

    assert consumer.run_once() == 1
    with consumer_db.db.engine.connect() as conn:
        processed = conn.execute(select(consumer_db.tables.processed_events)).one()
    assert (processed.consumer_group, processed.event_id) == (consumer_db.name, other.id)
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 1


def test_a_failing_handler_is_retried_then_dead_lettered(consumer_db, bus, payload, metric):
    bad = make_envelope(payload("bad"), source="identity", subject="a", trace_id="t-9")
    good = make_envelope(payload("good"), source="identity", subject="b")
    publish(bus, bad)
    publish(bus, good)
    attempts: list[str] = []
    record = recording_handler(consumer_db, [])

    def handle(session, envelope: Envelope) -> None:
        record(session, envelope)  # written, then rolled back with the failure
        if envelope.id == bad.id:
            attempts.append(envelope.id)
            raise RuntimeError("the mail server said no")

    consumer = make_consumer(
        consumer_db, bus, {APPLIED: handle}, max_attempts=3, retry_backoff=0.01
    )
    assert consumer.run_once() == 2
    assert consumer.run_once(timeout=0.1) == 0  # the bad one's offset was committed

    assert len(attempts) == 3
    assert effect_ids(consumer_db) == [good.id]
    assert consumer_db.count(consumer_db.tables.processed_events) == 1
    dlq = bus.consumer("inspector", [dead_letter_topic(TOPIC)])
    [dead] = dlq.poll(0.1, 10)
    dlq.close()
    assert dead.topic == "jes.identity.events.dlq"
    assert dead.value == bad.SerializeToString() and dead.key == "a"
    assert dead.headers["jes-dlq-error"] == "RuntimeError: the mail server said no"
    assert dead.headers["jes-dlq-group"] == consumer_db.name
    assert dead.headers["jes-dlq-topic"] == TOPIC
    assert dead.headers["jes-dlq-attempts"] == "3"
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="retry", **labels) == 2
    assert metric("jes_events_consumed_total", outcome="dead_letter", **labels) == 1
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 1
    assert metric("jes_dead_letters_total", **labels) == 1


def test_an_event_the_rules_refuse_is_dead_lettered_without_retries(
    consumer_db, bus, payload, metric
):
    refused = make_envelope(payload("refused"), source="identity", subject="a")
    publish(bus, refused)
    attempts: list[str] = []

    def handle(session, envelope: Envelope) -> None:
        attempts.append(envelope.id)
        raise InvalidArgument("案號字別錯誤：「ABC」，應為 1 至 6 個中文字")

    consumer = make_consumer(consumer_db, bus, {APPLIED: handle}, max_attempts=5, retry_backoff=10)
    assert consumer.run_once() == 1  # no 10 s backoff: it was not retried
    assert attempts == [refused.id]
    dlq = bus.consumer("inspector", [dead_letter_topic(TOPIC)])
    [dead] = dlq.poll(0.1, 10)
    dlq.close()
    assert dead.value == refused.SerializeToString()
    assert dead.headers["jes-dlq-attempts"] == "1"
    assert dead.headers["jes-dlq-error"].startswith("InvalidArgument: 案號字別錯誤")
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="retry", **labels) == 0
    assert metric("jes_dead_letters_total", **labels) == 1


def test_a_handler_that_recovers_on_retry_is_not_dead_lettered(consumer_db, bus, payload, metric):
    event = make_envelope(payload(1), source="identity", subject="a")
    publish(bus, event)
    calls: list[str] = []
    record = recording_handler(consumer_db, calls)

    def handle(session, envelope: Envelope) -> None:
        record(session, envelope)
        if len(calls) == 1:
            raise ConnectionError("flaky")

    consumer = make_consumer(consumer_db, bus, {APPLIED: handle}, retry_backoff=0.01)
    assert consumer.run_once() == 1
    assert effect_ids(consumer_db) == [event.id]
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="retry", **labels) == 1
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 1
    assert metric("jes_dead_letters_total", **labels) == 0


def test_a_message_that_is_not_an_envelope_is_dead_lettered(consumer_db, bus, metric):
    bus.publish(TOPIC, "k", b"\xff\xff not protobuf")
    consumer = make_consumer(consumer_db, bus, {})
    assert consumer.run_once() == 1
    assert metric("jes_dead_letters_total", service=consumer_db.name, topic=TOPIC) == 1


def test_a_new_consumer_resumes_from_the_committed_offset(
    tmp_path, consumer_db, bus, payload, metric
):
    events = [make_envelope(payload(n), source="identity", subject="a") for n in range(5)]
    for event in events[:3]:
        publish(bus, event)
    calls: list[str] = []
    consumer = make_consumer(consumer_db, bus, {APPLIED: recording_handler(consumer_db, calls)})
    assert consumer.run_once() == 3
    consumer.close()
    for event in events[3:]:
        publish(bus, event)

    # A restart: new objects on the same files.
    db = Database(consumer_db.db.url)
    bus_again = EmbeddedBus(tmp_path / "bus.db")
    consumer_db.db = db
    again = make_consumer(consumer_db, bus_again, {APPLIED: recording_handler(consumer_db, calls)})
    assert again.run_once() == 2
    again.close()
    bus_again.close()
    db.dispose()

    assert calls == [e.id for e in events]
    # resumed by offset: nothing was read again, so nothing was a duplicate
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="duplicate", **labels) == 0


def test_effect_committed_but_offset_not_is_skipped_when_redelivered(
    consumer_db, bus, payload, metric
):
    """A crash between the database commit and the offset commit."""

    class CommitFailsOnce(EmbeddedBus):
        def consumer(self, group, topics):
            inner = super().consumer(group, topics)
            original = inner.commit
            state = {"failed": False}

            def commit(record):
                if not state["failed"]:
                    state["failed"] = True
                    raise ConnectionError("lost the bus right after the effect")
                original(record)

            inner.commit = commit  # type: ignore[method-assign]
            return inner

    flaky = CommitFailsOnce(bus.path)
    event = make_envelope(payload(1), source="identity", subject="a")
    publish(bus, event)
    calls: list[str] = []
    handlers = {APPLIED: recording_handler(consumer_db, calls)}
    consumer = make_consumer(consumer_db, flaky, handlers)
    with pytest.raises(ConnectionError):
        consumer.run_once()
    # the state commit succeeded; the offset did not move
    assert effect_ids(consumer_db) == [event.id]
    flaky.consumer = bus.consumer  # type: ignore[method-assign]  # the bus is back

    assert consumer.run_once() == 1
    assert calls == [event.id]
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="duplicate", **labels) == 1


def test_thread_consumes_until_stopped_and_finishes_the_current_message(
    producer, consumer_db, bus, payload
):
    inside = threading.Event()
    release = threading.Event()
    calls: list[str] = []
    record = recording_handler(consumer_db, calls)

    def slow(session, envelope: Envelope) -> None:
        inside.set()
        release.wait(5)
        record(session, envelope)

    outbox = Outbox(producer.tables, "identity", TOPIC)
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name, poll_interval=0.05)
    outbox.on_commit = relay.notify
    consumer = make_consumer(consumer_db, bus, {APPLIED: slow}, poll_timeout=0.1)
    relay.start()
    consumer.start()
    try:
        with producer.db.transaction() as session:
            for n in range(3):
                outbox.add(session, payload(n), subject="a")
        assert inside.wait(5), "the consumer never received the events"
        stopping = threading.Thread(target=consumer.stop)
        stopping.start()
        time.sleep(0.1)
        release.set()  # the message in hand completes despite the stop
        stopping.join(5)
        assert not stopping.is_alive()
    finally:
        relay.stop()
        consumer.stop()
    assert len(calls) == 1
    assert consumer_db.count(consumer_db.tables.processed_events) == 1

    # The other two are still there for the next start.
    consumer.start()
    try:
        deadline = time.monotonic() + 5
        while len(calls) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        consumer.stop()
    assert sorted(effect_ids(consumer_db)) == sorted(set(calls))


def test_events_polled_together_are_applied_in_one_transaction(consumer_db, bus, payload):
    """A burst costs one database transaction and one offset commit per poll, not per event."""
    events = [make_envelope(payload(n), source="identity", subject="a") for n in range(10)]
    for envelope in events:
        publish(bus, envelope)
    publish(bus, events[0])  # a duplicate inside the batch is still recognised
    transactions: list[int] = []
    sqlalchemy_event.listen(consumer_db.db.engine, "begin", lambda _conn: transactions.append(1))
    calls: list[str] = []
    consumer = make_consumer(
        consumer_db, bus, {APPLIED: recording_handler(consumer_db, calls)}, batch_size=20
    )
    commits: list[int] = []
    inner = consumer._get_consumer()
    original = inner.commit
    inner.commit = lambda record: (commits.append(record.offset), original(record))  # type: ignore[method-assign]

    assert consumer.run_once() == 11
    consumer.close()
    assert len(transactions) == 1
    assert len(commits) == 1

    assert calls == [e.id for e in events]
    assert effect_ids(consumer_db) == [e.id for e in events]


def test_polls_grow_while_they_come_back_full_and_shrink_after(consumer_db, bus, payload):
    """A backlog drains in fewer, bigger polls (each costs a transaction and an offset
    commit); once it is drained the polls are small again."""
    for n in range(35):
        publish(bus, make_envelope(payload(n), source="identity", subject="a"))
    calls: list[str] = []
    consumer = make_consumer(
        consumer_db,
        bus,
        {APPLIED: recording_handler(consumer_db, calls)},
        batch_size=5,
        max_batch_size=12,
    )
    asked: list[int] = []
    inner = consumer._get_consumer()
    original = inner.poll
    inner.poll = lambda timeout, most: (asked.append(most), original(timeout, most))[1]  # type: ignore[method-assign]

    polled = [consumer.run_once(timeout=0.5) for _ in range(6)]
    consumer.close()

    assert asked == [5, 10, 12, 12, 5, 5]
    assert polled == [5, 10, 12, 8, 0, 0]
    assert len(calls) == 35 == len(set(calls))


def test_a_failing_event_in_a_batch_leaves_the_others_applied_once(
    consumer_db, bus, payload, metric
):
    events = [make_envelope(payload(n), source="identity", subject="a") for n in range(5)]
    bad = events[2]
    for e in events:
        publish(bus, e)
    calls: list[str] = []
    record = recording_handler(consumer_db, calls)

    def handle(session, envelope: Envelope) -> None:
        record(session, envelope)
        if envelope.id == bad.id:
            raise RuntimeError("the mail server said no")

    consumer = make_consumer(
        consumer_db, bus, {APPLIED: handle}, max_attempts=3, retry_backoff=0.01
    )
    assert consumer.run_once() == 5
    assert consumer.run_once(timeout=0.1) == 0
    consumer.close()

    good = [e.id for e in events if e.id != bad.id]
    assert [c for c in calls if c != bad.id] == good  # each good one handled once
    assert calls.count(bad.id) == 3  # max_attempts in all, the batch's try included
    assert effect_ids(consumer_db) == good
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 4
    assert metric("jes_events_consumed_total", outcome="dead_letter", **labels) == 1
    assert metric("jes_events_consumed_total", outcome="retry", **labels) == 2


def test_a_consumer_says_when_it_is_behind(consumer_db, bus, payload):
    """A full poll means more is waiting: notification holds its mails while it catches up."""
    for n in range(3):
        publish(bus, make_envelope(payload(n), source="identity", subject="a"))
    consumer = make_consumer(consumer_db, bus, {}, batch_size=2)
    assert not consumer.behind
    assert consumer.run_once() == 2
    assert consumer.behind
    assert consumer.run_once() == 1
    assert not consumer.behind
    consumer.close()


def test_a_batch_over_two_topics_commits_both(consumer_db, bus, payload, metric):
    # One poll can bring several topics (and, on Kafka, partitions): committing only the
    # batch's last record left the others' offsets behind, so a restart read them again.
    other_topic = "jes.case-sync.events"
    for n in range(3):
        publish(bus, make_envelope(payload(n), source="identity", subject="a"))
        envelope = make_envelope(payload(10 + n), source="identity", subject="b")
        bus.publish(other_topic, envelope.subject, envelope.SerializeToString())
    calls: list[str] = []
    handlers = {APPLIED: recording_handler(consumer_db, calls)}
    topics = [TOPIC, other_topic]
    first = EventConsumer(
        consumer_db.db, consumer_db.tables, bus, consumer_db.name, topics, handlers
    )
    handled = 0
    while handled < 6:
        got = first.run_once(timeout=1.0)
        assert got, "the six events did not come"
        handled += got
    first.close()

    restarted = EventConsumer(
        consumer_db.db, consumer_db.tables, bus, consumer_db.name, topics, handlers
    )
    assert restarted.run_once(timeout=0.3) == 0
    restarted.close()
    assert len(calls) == 6
    for topic in topics:
        labels = {"service": consumer_db.name, "topic": topic}
        assert metric("jes_events_consumed_total", outcome="duplicate", **labels) == 0


# -- batch handlers ----------------------------------------------------------------------


def recording_batch_handler(service, batches: list[list[str]]):
    """Applies a run of events in one call: one row each, in the given session."""

    def handle(session, envelopes: list[Envelope]) -> None:
        batches.append([e.id for e in envelopes])
        session.execute(insert(service.effects), [{"event_id": e.id} for e in envelopes])

    return handle


def counting_commits(consumer: EventConsumer) -> list[tuple[str, int, int]]:
    commits: list[tuple[str, int, int]] = []
    inner = consumer._get_consumer()
    original = inner.commit
    inner.commit = lambda record: (  # type: ignore[method-assign]
        commits.append((record.topic, record.partition, record.offset)),
        original(record),
    )
    return commits


def test_a_run_of_one_type_goes_to_its_batch_handler_in_one_call(consumer_db, bus, payload, metric):
    events = [make_envelope(payload(n), source="identity", subject="a") for n in range(6)]
    other = make_envelope(photo_storage_pb2.PhotoUploaded(), source="photo-storage", subject="p")
    for envelope in events[:3]:
        publish(bus, envelope)
    publish(bus, other)  # another type breaks the run
    for envelope in events[3:]:
        publish(bus, envelope)
    publish(bus, events[4])  # a duplicate inside a run: applied once
    batches: list[list[str]] = []
    singles: list[str] = []
    consumer = make_consumer(
        consumer_db,
        bus,
        {"jes.photo_storage.v1.PhotoUploaded": recording_handler(consumer_db, singles)},
        batch_handlers={APPLIED: recording_batch_handler(consumer_db, batches)},
        batch_size=20,
    )
    transactions: list[int] = []
    sqlalchemy_event.listen(consumer_db.db.engine, "begin", lambda _conn: transactions.append(1))
    commits = counting_commits(consumer)

    assert consumer.run_once() == 8
    consumer.close()
    assert len(transactions) == 1

    assert batches == [[e.id for e in events[:3]], [e.id for e in events[3:]]]
    assert singles == [other.id]
    assert sorted(effect_ids(consumer_db)) == sorted([e.id for e in events] + [other.id])
    assert consumer_db.count(consumer_db.tables.processed_events) == 7
    assert len(commits) == 1  # one offset commit, past the poll's last record
    again = make_consumer(consumer_db, bus, {}, batch_handlers={APPLIED: lambda s, e: None})
    assert again.run_once(timeout=0.2) == 0
    again.close()
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 7
    assert metric("jes_events_consumed_total", outcome="duplicate", **labels) == 1


def test_a_batch_with_one_failing_event_falls_back_and_dead_letters_it_alone(
    consumer_db, bus, payload, metric
):
    events = [make_envelope(payload(n), source="identity", subject="a") for n in range(5)]
    bad = events[2]
    for envelope in events:
        publish(bus, envelope)
    batches: list[list[str]] = []
    record = recording_batch_handler(consumer_db, batches)

    def handle(session, envelopes: list[Envelope]) -> None:
        record(session, envelopes)
        if any(e.id == bad.id for e in envelopes):
            raise RuntimeError("the mail server said no")

    consumer = make_consumer(
        consumer_db,
        bus,
        {},
        batch_handlers={APPLIED: handle},
        max_attempts=3,
        retry_backoff=0.01,
    )
    assert consumer.run_once() == 5
    assert consumer.run_once(timeout=0.1) == 0
    consumer.close()

    ids = [e.id for e in events]
    good = [i for i in ids if i != bad.id]
    # the batch (rolled back), then one by one up to the bad one, its retries alone, then
    # the rest as a batch again
    assert batches == [ids, [ids[0]], [ids[1]], [bad.id], [bad.id], [bad.id], ids[3:]]
    assert sorted(effect_ids(consumer_db)) == sorted(good)  # each once; the bad one not
    assert consumer_db.count(consumer_db.tables.processed_events) == 4
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="ok", **labels) == 4
    assert metric("jes_events_consumed_total", outcome="dead_letter", **labels) == 1
    dead = bus.consumer("inspector", [dead_letter_topic(TOPIC)])
    try:
        letters = dead.poll(1.0, 10)
    finally:
        dead.close()
    assert [Envelope.FromString(r.value).id for r in letters] == [bad.id]


def test_a_redelivered_batch_applies_nothing_twice(consumer_db, bus, payload, metric):
    """The effect committed but not the offset (a crash between them): the whole run comes
    again, and the batch handler is not called for any of it."""
    events = [make_envelope(payload(n), source="identity", subject="a") for n in range(4)]
    for envelope in events:
        publish(bus, envelope)
    batches: list[list[str]] = []
    handlers = {APPLIED: recording_batch_handler(consumer_db, batches)}
    first = make_consumer(consumer_db, bus, {}, batch_handlers=handlers)
    inner = first._get_consumer()
    inner.commit = lambda record: None  # type: ignore[method-assign]  # the crash: no commit
    assert first.run_once() == 4
    first.close()

    publish(bus, make_envelope(payload(9), source="identity", subject="a"))
    again = make_consumer(consumer_db, bus, {}, batch_handlers=handlers)
    assert again.run_once() == 5
    assert again.run_once(timeout=0.1) == 0
    again.close()

    fresh = make_envelope(payload(9), source="identity", subject="a")
    assert len(batches) == 2
    assert batches[0] == [e.id for e in events]
    assert len(batches[1]) == 1 and batches[1][0] not in {e.id for e in events}
    assert len(effect_ids(consumer_db)) == 5
    assert fresh.id not in effect_ids(consumer_db)  # (a new envelope id each time)
    labels = {"service": consumer_db.name, "topic": TOPIC}
    assert metric("jes_events_consumed_total", outcome="duplicate", **labels) == 4


def test_a_batch_over_two_topics_commits_each_topic_past_its_last(consumer_db, bus, payload):
    other_topic = "jes.case-sync.events"
    for n in range(3):
        publish(bus, make_envelope(payload(n), source="identity", subject="a"))
        envelope = make_envelope(payload(10 + n), source="identity", subject="b")
        bus.publish(other_topic, envelope.subject, envelope.SerializeToString())
    batches: list[list[str]] = []
    handlers = {APPLIED: recording_batch_handler(consumer_db, batches)}
    topics = [TOPIC, other_topic]
    first = EventConsumer(
        consumer_db.db,
        consumer_db.tables,
        bus,
        consumer_db.name,
        topics,
        {},
        batch_handlers=handlers,
    )
    commits = counting_commits(first)
    handled = 0
    while handled < 6:
        got = first.run_once(timeout=1.0)
        assert got, "the six events did not come"
        handled += got
    first.close()
    assert {(topic, partition) for topic, partition, _ in commits} == {
        (TOPIC, 0),
        (other_topic, 0),
    }

    restarted = EventConsumer(
        consumer_db.db,
        consumer_db.tables,
        bus,
        consumer_db.name,
        topics,
        {},
        batch_handlers=handlers,
    )
    assert restarted.run_once(timeout=0.3) == 0
    restarted.close()
    assert sum(len(b) for b in batches) == 6

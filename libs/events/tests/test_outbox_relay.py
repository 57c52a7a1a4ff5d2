"""Outbox and relay on SQLite and the embedded bus."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from jes_db import utcnow
from jes_events import Outbox, OutboxRelay, OutgoingMessage
from jes_events.embedded import EmbeddedBus
from jes_protos import Envelope

TOPIC = "jes.identity.events"


def outbox_rows(service):
    with service.db.engine.connect() as conn:
        outbox = service.tables.outbox
        return conn.execute(select(outbox).order_by(outbox.c.created_at)).all()


def read_all(bus, topic, group="reader"):
    reader = bus.consumer(group, [topic])
    try:
        return reader.poll(0.2, 1000)
    finally:
        reader.close()


def test_event_tables_are_defined_on_the_services_metadata(producer):
    outbox, processed = producer.tables.outbox, producer.tables.processed_events
    assert outbox.metadata is producer.things.metadata
    assert [c.name for c in outbox.primary_key] == ["id"]
    assert outbox.c.published_at.nullable
    assert any(index.columns.keys() == ["published_at"] for index in outbox.indexes)
    assert [c.name for c in processed.primary_key] == ["consumer_group", "event_id"]


def test_outbox_row_commits_only_with_the_state_change(producer, payload):
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        session.execute(insert(producer.things).values(id="t1"))
        envelope = outbox.add(session, payload(1), subject="t1", trace_id="trace-1")

    with pytest.raises(RuntimeError), producer.db.transaction() as session:
        session.execute(insert(producer.things).values(id="t2"))
        outbox.add(session, payload(2), subject="t2")
        raise RuntimeError("the use case failed after adding its event")

    assert producer.count(producer.things) == 1
    [row] = outbox_rows(producer)
    assert (row.id, row.topic, row.key, row.published_at) == (envelope.id, TOPIC, "t1", None)
    stored = Envelope.FromString(row.value)
    assert stored == envelope
    assert stored.type == "jes.identity.v1.FirmAccountApplied"
    assert (stored.source, stored.subject, stored.trace_id) == ("identity", "t1", "trace-1")


def test_many_events_go_in_with_one_statement_in_order_and_only_with_the_change(producer, payload):
    """A stream of a thousand entries adds a thousand events: one INSERT of them all."""
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        session.execute(insert(producer.things).values(id="t1"))
        envelopes = outbox.add_many(
            session, [(payload(n), f"s{n}") for n in range(3)], trace_id="trace-9"
        )
    with pytest.raises(RuntimeError), producer.db.transaction() as session:
        outbox.add_many(session, [(payload(9), "s9")])
        raise RuntimeError("the use case failed after adding its events")
    rows = outbox_rows(producer)
    assert [row.id for row in rows] == [envelope.id for envelope in envelopes]
    assert [row.key for row in rows] == ["s0", "s1", "s2"]
    assert [Envelope.FromString(row.value).trace_id for row in rows] == ["trace-9"] * 3
    assert len({row.created_at for row in rows}) == 3  # strictly increasing, like add()
    with producer.db.transaction() as session:
        assert outbox.add_many(session, []) == []


def test_relay_publishes_in_created_order_and_marks_published(producer, bus, payload, metric):
    outbox = Outbox(producer.tables, "identity", TOPIC)
    ids = []
    with producer.db.transaction() as session:  # several events in one transaction
        ids += [outbox.add(session, payload(n), subject="agg-a").id for n in range(3)]
    with producer.db.transaction() as session:
        ids += [outbox.add(session, payload(n), subject=f"agg-{n}").id for n in range(3, 5)]
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name, batch_size=3)

    assert relay.backlog() == 5
    assert metric("jes_outbox_backlog", service=producer.name) == 5
    assert relay.run_once() == 3
    assert relay.run_once() == 2
    assert relay.run_once() == 0

    records = read_all(bus, TOPIC)
    assert [Envelope.FromString(r.value).id for r in records] == ids
    assert [r.key for r in records] == ["agg-a"] * 3 + ["agg-3", "agg-4"]
    assert all(row.published_at is not None for row in outbox_rows(producer))
    assert relay.backlog() == 0
    assert metric("jes_outbox_backlog", service=producer.name) == 0
    assert metric("jes_events_published_total", service=producer.name, topic=TOPIC) == 5


class BrokenBus(EmbeddedBus):
    def publish_many(self, messages):
        raise ConnectionError("the bus is down")


def test_relay_marks_nothing_when_the_publish_fails(producer, bus, tmp_path, payload):
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        envelope = outbox.add(session, payload(1), subject="t1")
    broken = BrokenBus(tmp_path / "bus.db")

    with pytest.raises(ConnectionError):
        OutboxRelay(producer.db, producer.tables, broken, producer.name).run_once()
    assert outbox_rows(producer)[0].published_at is None

    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name)
    assert relay.run_once() == 1
    assert [Envelope.FromString(r.value).id for r in read_all(bus, TOPIC)] == [envelope.id]


def test_relay_keeps_published_rows_for_the_retention_period(producer, bus, payload):
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        old, recent = (outbox.add(session, payload(n), subject=f"s{n}") for n in (1, 2))
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name)
    relay.run_once()
    with producer.db.transaction() as session:
        unpublished = outbox.add(session, payload(3), subject="s3")
        session.execute(
            update(producer.tables.outbox)
            .where(producer.tables.outbox.c.id == old.id)
            .values(published_at=utcnow() - timedelta(days=8))
        )

    assert relay.purge() == 1
    assert {row.id for row in outbox_rows(producer)} == {recent.id, unpublished.id}


def test_relay_thread_is_woken_by_commit(producer, bus, payload):
    # A long poll interval: only the notify on commit can make it this fast.
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name, poll_interval=30)
    outbox = Outbox(producer.tables, "identity", TOPIC, on_commit=relay.notify)
    reader = bus.consumer("reader", [TOPIC])
    relay.start()
    try:
        time.sleep(0.3)  # let the relay go idle first
        started = time.monotonic()
        with producer.db.transaction() as session:
            envelope = outbox.add(session, payload(1), subject="t1")
        records = reader.poll(5.0, 10)
        assert time.monotonic() - started < 2.0
        assert [Envelope.FromString(r.value).id for r in records] == [envelope.id]
    finally:
        relay.stop()
        reader.close()
    assert not any(row.published_at is None for row in outbox_rows(producer))


def test_relay_thread_survives_a_bus_outage(producer, tmp_path, payload):
    class FlakyBus(EmbeddedBus):
        failures = 2

        def publish_many(self, messages: list[OutgoingMessage]) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("not yet")
            super().publish_many(messages)

    bus = FlakyBus(tmp_path / "bus.db")
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        outbox.add(session, payload(1), subject="t1")
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name, poll_interval=0.05)
    relay.start()
    try:
        deadline = time.monotonic() + 10
        while outbox_rows(producer)[0].published_at is None:
            assert time.monotonic() < deadline, "the relay never recovered"
            time.sleep(0.05)
    finally:
        relay.stop()
    assert bus.failures == 0
    assert len(read_all(bus, TOPIC)) == 1


def test_a_round_reads_the_oldest_unpublished_rows_from_their_own_index(producer, bus, payload):
    """With a backlog the round must not read every unpublished row and sort it: the
    partial index on (created_at, id) WHERE published_at IS NULL gives them in order."""
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        outbox.add_many(session, [(payload(n), f"s{n}") for n in range(400)])
    table = producer.tables.outbox
    with producer.db.transaction() as session:
        oldest = select(table.c.id).order_by(table.c.created_at).limit(300).scalar_subquery()
        session.execute(update(table).where(table.c.id.in_(oldest)).values(published_at=utcnow()))
    relay = OutboxRelay(producer.db, producer.tables, bus, "identity")
    query = relay.pending_query(100)
    with producer.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
        rows = conn.execute(query).all()
    assert any("USING INDEX ix_outbox_unpublished" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan  # no sort of the backlog
    assert len(rows) == 100
    assert [row.key for row in rows] == [f"s{n}" for n in range(300, 400)]


def test_a_backlog_goes_in_growing_batches_and_a_short_round_resets_them(producer, bus, payload):
    """Rounds that come back full double the next batch (fewer database and bus round
    trips an event), up to max_batch_size; a round that is not full goes back."""
    outbox = Outbox(producer.tables, "identity", TOPIC)
    with producer.db.transaction() as session:
        outbox.add_many(session, [(payload(n), f"s{n % 7}") for n in range(2_600)])
    relay = OutboxRelay(
        producer.db, producer.tables, bus, producer.name, batch_size=100, max_batch_size=1000
    )
    assert [relay.run_once() for _ in range(6)] == [100, 200, 400, 800, 1000, 100]
    assert relay.run_once() == 0
    with producer.db.transaction() as session:
        outbox.add_many(session, [(payload(n), "s") for n in range(150)])
    assert [relay.run_once() for _ in range(3)] == [100, 50, 0]  # back to 100 after a short one
    reader = bus.consumer("reader", [TOPIC])
    ids = []
    try:
        while records := reader.poll(0.2, 1000):
            ids += [Envelope.FromString(r.value).id for r in records]
    finally:
        reader.close()
    assert ids == [row.id for row in outbox_rows(producer)]  # each once, in created order
    assert len(ids) == 2_750

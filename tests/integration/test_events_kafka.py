"""Outbox → relay → Kafka → consumer on the real local Kafka and PostgreSQL.

Needs `bash deploy/local/infra.sh up`; the addresses come from the environment, else from
`infra.sh env` (this checkout's stack). When Kafka or PostgreSQL is unreachable the tests
fail, never skip.
Every run uses its own topics, consumer groups and PostgreSQL schemas, and removes them.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text

from jes.identity.v1 import identity_pb2
from jes_db import Database
from jes_events import (
    EventConsumer,
    EventTables,
    Outbox,
    OutboxRelay,
    add_event_tables,
    connect_bus,
    dead_letter_topic,
)
from jes_events.kafka_bus import KafkaBus
from jes_protos import Envelope, make_envelope, open_envelope
from support.distributed import infra_settings, pg_url
from support.processes import PYTHON

pytestmark = pytest.mark.integration

_INFRA = (
    {}
    if {"JES_EVENT_BUS_URL", "JES_PG_URL_BASE", "JES_PG_CA_FILE"} <= os.environ.keys()
    else infra_settings()
)
BUS_URL = os.environ.get("JES_EVENT_BUS_URL") or _INFRA["JES_EVENT_BUS_URL"]
PG_INFRA = {
    name: os.environ.get(name) or _INFRA[name] for name in ("JES_PG_URL_BASE", "JES_PG_CA_FILE")
}
APPLIED = "jes.identity.v1.FirmAccountApplied"


@dataclass
class PgService:
    """One service's tables in a schema of its own inside a real service database."""

    name: str
    db: Database
    tables: EventTables
    things: Table
    effects: Table

    def count(self, table: Table, distinct: bool = False) -> int:
        column = table.c.event_id if distinct else None
        expression = func.count(func.distinct(column)) if column is not None else func.count()
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(expression).select_from(table)).scalar_one())


@pytest.fixture(scope="module")
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def bus(run_id: str) -> Iterator[KafkaBus]:
    bus = connect_bus(BUS_URL, client_id=f"jes-events-it-{run_id}")
    assert isinstance(bus, KafkaBus), f"JES_EVENT_BUS_URL is not a kafka:// URL: {BUS_URL}"
    try:
        admin = KafkaAdminClient(bootstrap_servers=bus.bootstrap_servers, request_timeout_ms=5000)
        admin.list_topics()
    except Exception as exc:
        pytest.fail(f"Kafka is not reachable at {BUS_URL} ({exc!r}): bash deploy/local/infra.sh up")
    yield bus
    bus.close()
    ours = [t for t in admin.list_topics() if run_id in t]
    if ours:
        admin.delete_topics(ours, raise_errors=False)
    admin.close()


def _pg_service(database: str, name: str, run_id: str) -> Iterator[PgService]:
    db = Database(pg_url(PG_INFRA, database))
    schema = f"jes_events_it_{run_id}"
    try:
        with db.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    except Exception as exc:
        pytest.fail(f"PostgreSQL is not reachable at {db.url} ({exc!r})")
    metadata = MetaData(schema=schema)
    tables = add_event_tables(metadata)
    things = Table("things", metadata, Column("id", String(64), primary_key=True))
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
        Column("subject", String(64), nullable=False),
        Column("n", Integer, nullable=False),
    )
    metadata.create_all(db.engine)
    yield PgService(name, db, tables, things, effects)
    with db.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    db.dispose()


@pytest.fixture
def producer(run_id: str) -> Iterator[PgService]:
    yield from _pg_service("identity", f"identity-it-{run_id}", run_id + "_p")


@pytest.fixture
def consumer_db(run_id: str) -> Iterator[PgService]:
    yield from _pg_service("notification", f"notification-it-{run_id}", run_id + "_c")


@pytest.fixture
def topic(run_id: str) -> str:
    return f"jes.it-{run_id}-{uuid.uuid4().hex[:6]}.events"


def payload(n: int) -> identity_pb2.FirmAccountApplied:
    return identity_pb2.FirmAccountApplied(
        application=identity_pb2.FirmApplication(id=f"app-{n}", company_name=f"估價公司 {n}")
    )


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def applying(service: PgService) -> Callable[..., None]:
    def apply(session, envelope: Envelope) -> None:
        event = cast(
            identity_pb2.FirmAccountApplied,
            open_envelope(envelope, identity_pb2.FirmAccountApplied),
        )
        n = int(event.application.id.removeprefix("app-"))
        session.execute(
            insert(service.effects).values(event_id=envelope.id, subject=envelope.subject, n=n)
        )

    return apply


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def read_topic(bus: KafkaBus, topic: str) -> list:
    """Every message on the topic now, from all partitions (no consumer group)."""
    reader = KafkaConsumer(bootstrap_servers=bus.bootstrap_servers, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or []]
        reader.assign(partitions)
        reader.seek_to_beginning(*partitions)
        end = reader.end_offsets(partitions)
        messages: list = []
        deadline = time.monotonic() + 30
        while any(reader.position(tp) < end[tp] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for batch in reader.poll(timeout_ms=500).values():
                messages += batch
        return messages
    finally:
        reader.close()


def test_outbox_relay_kafka_consumer_applies_each_event_once_in_order(
    bus, producer, consumer_db, topic, run_id
):
    group = consumer_db.name
    bus.ensure_topics([topic])
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name, batch_size=25)
    outbox = Outbox(producer.tables, "identity", topic, on_commit=relay.notify)
    consumer = EventConsumer(
        consumer_db.db, consumer_db.tables, bus, group, [topic], {APPLIED: applying(consumer_db)}
    )
    relay.start()
    consumer.start()
    try:
        ids = []
        for n in range(60):
            with producer.db.transaction() as session:
                session.execute(insert(producer.things).values(id=f"thing-{n}"))
                ids.append(outbox.add(session, payload(n), subject=f"agg-{n % 6}").id)
        with pytest.raises(RuntimeError), producer.db.transaction() as session:
            outbox.add(session, payload(999), subject="agg-0")
            raise RuntimeError("rolled back: this event must never be seen")

        wait_for(lambda: consumer_db.count(consumer_db.effects) >= 60, 60, "60 effects")
        wait_for(lambda: relay.backlog() == 0, 10, "an empty outbox")
        wait_for(lambda: metric("jes_consumer_lag", service=group, topic=topic) == 0, 10, "lag 0")
    finally:
        consumer.stop()
        relay.stop()

    assert consumer_db.count(consumer_db.effects) == 60
    assert consumer_db.count(consumer_db.effects, distinct=True) == 60
    assert consumer_db.count(consumer_db.tables.processed_events) == 60
    with consumer_db.db.engine.connect() as conn:
        rows = conn.execute(
            select(consumer_db.effects.c.subject, consumer_db.effects.c.n).order_by(
                consumer_db.effects.c.id
            )
        ).all()
    assert {row.n for row in rows} == set(range(60))  # and never 999
    for k in range(6):  # the key is the aggregate id: one aggregate's events stay in order
        assert [row.n for row in rows if row.subject == f"agg-{k}"] == list(range(k, 60, 6))
    messages = read_topic(bus, topic)
    assert len(messages) == 60
    assert {m.key.decode() for m in messages} == {f"agg-{k}" for k in range(6)}
    assert metric("jes_events_published_total", service=producer.name, topic=topic) == 60
    assert metric("jes_events_consumed_total", service=group, topic=topic, outcome="ok") == 60

    # A replayed event and a new one, read by a new consumer object (a restart):
    # it starts at the committed offset and skips the replay.
    replayed = Envelope.FromString(messages[0].value)
    bus.publish(topic, replayed.subject, replayed.SerializeToString())
    new = make_envelope(payload(60), source="identity", subject="agg-0")
    bus.publish(topic, new.subject, new.SerializeToString())
    restarted = EventConsumer(
        consumer_db.db, consumer_db.tables, bus, group, [topic], {APPLIED: applying(consumer_db)}
    )
    handled = 0
    deadline = time.monotonic() + 60
    while handled < 2:
        assert time.monotonic() < deadline, "the restarted consumer did not get 2 messages"
        handled += restarted.run_once(timeout=1.0)
    restarted.close()
    assert consumer_db.count(consumer_db.effects) == 61
    assert metric("jes_events_consumed_total", service=group, topic=topic, outcome="ok") == 61
    assert metric("jes_events_consumed_total", service=group, topic=topic, outcome="duplicate") == 1


def test_two_relay_replicas_do_not_publish_a_row_twice(bus, producer, topic):
    bus.ensure_topics([topic])
    outbox = Outbox(producer.tables, "identity", topic)
    for start in range(0, 300, 50):
        with producer.db.transaction() as session:
            for n in range(start, start + 50):
                outbox.add(session, payload(n), subject=f"agg-{n % 10}")
    relays = [
        OutboxRelay(producer.db, producer.tables, bus, producer.name, batch_size=20)
        for _ in range(2)
    ]
    published = [0, 0]
    errors: list[BaseException] = []

    def drain(i: int) -> None:
        try:
            while count := relays[i].run_once():
                published[i] += count
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sum(published) == 300
    assert relays[0].backlog() == 0
    ids = [Envelope.FromString(m.value).id for m in read_topic(bus, topic)]
    assert len(ids) == 300
    assert len(set(ids)) == 300


def test_a_failing_handler_dead_letters_to_kafka_and_the_group_moves_on(bus, consumer_db, topic):
    group = consumer_db.name
    bad = make_envelope(payload(1), source="identity", subject="agg-1")
    good = make_envelope(payload(2), source="identity", subject="agg-1")
    bus.ensure_topics([topic])
    bus.publish(topic, bad.subject, bad.SerializeToString())
    bus.publish(topic, good.subject, good.SerializeToString())
    apply = applying(consumer_db)

    def handle(session, envelope: Envelope) -> None:
        if envelope.id == bad.id:
            raise ValueError("template missing")
        apply(session, envelope)

    consumer = EventConsumer(
        consumer_db.db,
        consumer_db.tables,
        bus,
        group,
        [topic],
        {APPLIED: handle},
        max_attempts=2,
        retry_backoff=0.05,
    )
    handled = 0
    deadline = time.monotonic() + 60
    while handled < 2:
        assert time.monotonic() < deadline, "the consumer did not get 2 messages"
        handled += consumer.run_once(timeout=1.0)
    consumer.close()

    assert consumer_db.count(consumer_db.effects) == 1
    [dead] = read_topic(bus, dead_letter_topic(topic))
    headers = {name: value.decode() for name, value in dead.headers}
    assert dead.value == bad.SerializeToString()
    assert dead.key == b"agg-1"
    assert headers["jes-dlq-error"] == "ValueError: template missing"
    assert headers["jes-dlq-attempts"] == "2"
    assert headers["jes-dlq-group"] == group
    assert metric("jes_dead_letters_total", service=group, topic=topic) == 1

    # Committed past both: a new consumer of the group gets only what came after.
    later = make_envelope(payload(3), source="identity", subject="agg-1")
    bus.publish(topic, later.subject, later.SerializeToString())
    again = EventConsumer(
        consumer_db.db, consumer_db.tables, bus, group, [topic], {APPLIED: handle}
    )
    handled = 0
    deadline = time.monotonic() + 60
    while handled < 1:
        assert time.monotonic() < deadline, "the new consumer did not get the later message"
        handled += again.run_once(timeout=1.0)
    again.close()
    assert handled == 1
    assert consumer_db.count(consumer_db.effects) == 2
    assert len(read_topic(bus, dead_letter_topic(topic))) == 1


# A consumer group member that joins, reads one message and then dies without leaving
# (kill -9, as a crashed service does): argv = bus URL, group, topic.
CRASHING_MEMBER = """
import sys, time
from jes_events import connect_bus
consumer = connect_bus(sys.argv[1], client_id="jes-events-it-crashing").consumer(
    sys.argv[2], [sys.argv[3]]
)
while not consumer.poll(0.5, 10):
    pass
print("read", flush=True)
time.sleep(600)
"""


def test_a_member_killed_without_leaving_hands_its_partitions_on_within_seconds(bus, topic, run_id):
    """A service killed with kill -9 never says goodbye: its group keeps it until its
    session times out, and its partitions wait that long for the restarted service. The
    session is short, so mail flows again within seconds (not the 45 s of the client's
    default)."""
    group = f"takeover-{run_id}"
    bus.ensure_topics([topic])
    bus.publish(topic, "before", b"before")
    member = subprocess.Popen(
        [PYTHON, "-c", CRASHING_MEMBER, BUS_URL, group, topic],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert member.stdout is not None
        assert member.stdout.readline().strip() == "read", "the member never read its message"
    finally:
        member.kill()
        member.wait(10)
    killed = time.monotonic()
    successor = bus.consumer(group, [topic])
    try:
        bus.publish(topic, "after", b"after")
        got: list[bytes] = []
        wait_for(
            lambda: bool(got.extend(r.value for r in successor.poll(0.5, 10)) or b"after" in got),
            timeout=120,
            what="the successor reading the topic",
        )
    finally:
        successor.close()
    took = time.monotonic() - killed
    assert took < 35, f"the partitions waited {took:.0f} s for the killed member's session to end"

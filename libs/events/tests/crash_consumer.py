"""A consumer process for test_crash.py: consumes until every expected event is applied.

    python crash_consumer.py CONSUMER_DB BUS_DB GROUP TOPIC EXPECTED

The effect of an event is a row in `effects` (no unique key, so a double application would
show up as a second row). Each handler call sleeps a little, so a SIGKILL from the test
lands in the middle of the work.
"""

from __future__ import annotations

import logging
import sys
import time

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from jes_db import Database
from jes_events import EventConsumer, add_event_tables
from jes_events.embedded import EmbeddedBus


def main() -> None:
    db_path, bus_path, group, topic, expected = sys.argv[1:6]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    metadata = MetaData()
    tables = add_event_tables(metadata)
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
    )
    db = Database(f"sqlite:///{db_path}")
    metadata.create_all(db.engine)
    bus = EmbeddedBus(bus_path)

    def apply(session, envelope) -> None:
        session.execute(insert(effects).values(event_id=envelope.id))
        time.sleep(0.005)

    consumer = EventConsumer(
        db,
        tables,
        bus,
        group,
        [topic],
        {"jes.identity.v1.FirmAccountApplied": apply},
        poll_timeout=0.1,
        # a poll's messages commit together: small polls (not growing with the backlog),
        # so the kills land between commits
        batch_size=20,
        max_batch_size=20,
    )
    consumer.start()
    while True:
        with db.engine.connect() as conn:
            applied = conn.execute(select(func.count()).select_from(effects)).scalar_one()
        if applied >= int(expected) and consumer.report_lag() == {topic: 0}:
            break
        time.sleep(0.05)
    consumer.stop()
    print("done", flush=True)


if __name__ == "__main__":
    main()

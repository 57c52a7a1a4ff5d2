"""The outbox relay alone, on this checkout's PostgreSQL and Kafka (`deploy/local/infra.sh
up` first): a backlog of `--events` unpublished rows (600-byte envelopes, 1,000 keys) in
a scratch schema of case-sync's database, published by `OutboxRelay.run_once` until the
outbox is empty. Figures per event: the process's CPU time (every thread: the relay's
and kafka-python's sender), the wall time, and the rounds. CPU time is the figure to
compare on a shared machine (wall time follows the load).

Variants, run back to back in one process (`--variants` picks some):
  main      batches of 100, no partial index, kafka-python's pure-Python CRC32C
  index     + the partial index ix_outbox_unpublished
  crc       + the C CRC32C (the `crc32c` package)
  adaptive  + batches doubling while full (100 → 1000): the branch's relay
  claim     an experiment, not in jes_events: adaptive, but each round one statement
            `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …` before
            publishing, committed after the bus's acknowledgement (published_at is then
            the time before the publish)
Each variant runs on the same backlog size in a fresh table; `--repeat` runs each again.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from datetime import timedelta
from typing import Any

from common import load_note, postgres_up, table, write_results
from sqlalchemy import MetaData, create_engine, insert, select, text, update

from jes_db import Database, utcnow
from jes_events import OutboxRelay, add_event_tables
from jes_events.kafka_bus import KafkaBus
from jes_events.tables import UNPUBLISHED_INDEX
from support.distributed import infra_settings, pg_url

VARIANTS = {
    # name: (partial index, C CRC32C, max batch)
    "main": (False, False, 100),
    "index": (True, False, 100),
    "crc": (True, True, 100),
    "adaptive": (True, True, 1000),
    "claim": (True, True, 1000),
}


class ClaimingRelay(OutboxRelay):
    """The `claim` experiment (PostgreSQL only): one statement a round instead of a
    locking read and an update."""

    def _run_batch(self, limit: int) -> int:
        outbox = self.outbox
        ids = (
            select(outbox.c.id)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.created_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(outbox)
            .where(outbox.c.id.in_(ids.scalar_subquery()))
            .values(published_at=utcnow())
            .returning(
                outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.created_at
            )
        )
        with self.database.transaction() as session:
            rows = sorted(session.execute(claim).all(), key=lambda r: (r.created_at, r.id))
            if rows:
                self._publish(rows)  # an exception rolls the claim back
        return len(rows)


def use_c_crc32c(on: bool) -> None:
    """kafka-python binds its CRC32C function as a default argument when imported."""
    import crc32c
    from kafka.record import util
    from kafka.record._crc32c import crc as pure_python

    util.calc_crc32c.__defaults__ = (crc32c.crc32c if on else pure_python,)


def fill(db: Database, tables: Any, events: int, schema: str) -> None:
    start = utcnow() - timedelta(minutes=5)
    value = os.urandom(600)
    rows = [
        {
            "id": uuid.uuid4().hex,
            "topic": "jes.bench-relay.events",
            "key": f"case-{n % 1000}",
            "value": value,
            "created_at": start + timedelta(microseconds=n),
            "published_at": None,
        }
        for n in range(events)
    ]
    with db.engine.begin() as conn:
        for chunk in range(0, events, 5000):
            conn.execute(insert(tables.outbox), rows[chunk : chunk + 5000])
        conn.exec_driver_sql(f'ANALYZE "{schema}".outbox')


def run_variant(name: str, infra: dict[str, str], bus: KafkaBus, events: int) -> dict[str, float]:
    index, c_crc, max_batch = VARIANTS[name]
    use_c_crc32c(c_crc)
    schema = f"bench_relay_{uuid.uuid4().hex[:8]}"
    base = pg_url(infra, "case_sync")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    metadata = MetaData(schema=schema)
    tables = add_event_tables(metadata)
    db = Database(base)
    try:
        metadata.create_all(db.engine)
        if not index:
            with db.engine.begin() as conn:
                conn.execute(text(f'DROP INDEX "{schema}".{UNPUBLISHED_INDEX}'))
        fill(db, tables, events, schema)
        kind = ClaimingRelay if name == "claim" else OutboxRelay
        relay = kind(db, tables, bus, "bench-relay", batch_size=100, max_batch_size=max_batch)
        relay.run_once()  # warm: connections, metadata, the producer
        rounds, published = 1, 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        while True:
            count = relay.run_once()
            if not count:
                break
            rounds += 1
            published += count
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return {
        "events": published,
        "rounds": rounds,
        "cpu_us_per_event": cpu / published * 1e6,
        "wall_us_per_event": wall / published * 1e6,
        "events_per_wall_second": published / wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    infra = infra_settings()
    if not postgres_up(infra):
        print("PostgreSQL is not up: bash deploy/local/infra.sh up")
        return 2
    bus = KafkaBus(
        [infra["JES_EVENT_BUS_URL"].removeprefix("kafka://")],
        client_id="bench-relay",
        namespace=f"bench-{uuid.uuid4().hex[:6]}.",
    )
    bus.ensure_topics(["jes.bench-relay.events"])
    results: dict[str, list[dict[str, float]]] = {}
    try:
        for _ in range(args.repeat):
            for name in args.variants.split(","):
                results.setdefault(name, []).append(run_variant(name, infra, bus, args.events))
    finally:
        bus.close()
    rows = []
    for name, runs in results.items():
        for r in runs:
            rows.append(
                [
                    name,
                    r["events"],
                    r["rounds"],
                    r["cpu_us_per_event"],
                    r["wall_us_per_event"],
                    r["events_per_wall_second"],
                ]
            )
    print(f"the outbox relay alone: {args.events} unpublished rows, PostgreSQL + Kafka")
    print(table(["variant", "events", "rounds", "CPU µs/event", "wall µs/event", "events/s"], rows))
    print(load_note())
    print(f"results: {write_results('outbox_relay', {'events': args.events, 'runs': results})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

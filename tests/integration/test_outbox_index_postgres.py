"""The relay's partial index on PostgreSQL: every service's migrations make it (built
CONCURRENTLY), and with a backlog the relay's round reads its batch from it instead of
reading and sorting every unpublished row (status.md, session 9: 8.3 ms a round at
10,000 unpublished without it, 0.13 ms with it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import MetaData, create_engine, insert, text

from jes_db import Database, utcnow
from jes_events import OutboxRelay, add_event_tables
from jes_events.embedded import EmbeddedBus
from jes_events.tables import UNPUBLISHED_INDEX
from support.distributed import pg_url
from support.outbox_index import SERVICES_WITH_OUTBOX, step


@pytest.fixture
def scratch(infra: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A schema of its own in case-sync's database, and a URL whose search_path is it."""
    schema = f"outbox_ix_{uuid.uuid4().hex[:10]}"
    base = pg_url(infra, "case_sync")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema, f"{base}&options={quote(f'-csearch_path={schema}', safe='')}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def index_definition(url: str, schema: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT indexdef FROM pg_indexes "
                    "WHERE schemaname = :schema AND indexname = :name"
                ),
                {"schema": schema, "name": UNPUBLISHED_INDEX},
            ).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES_WITH_OUTBOX)
def test_the_migrations_make_the_relays_partial_index(
    scratch: tuple[str, str], service: str
) -> None:
    schema, url = scratch
    step(url, service, "head")
    definition = index_definition(url, schema)
    assert definition is not None, f"{service}: no {UNPUBLISHED_INDEX}"
    assert definition.endswith("(created_at, id) WHERE (published_at IS NULL)"), definition
    step(url, service, "-1", down=True)
    assert index_definition(url, schema) is None
    step(url, service, "head")
    assert index_definition(url, schema) == definition


def test_with_a_backlog_a_round_reads_its_batch_from_the_index(
    scratch: tuple[str, str], tmp_path
) -> None:
    """20,000 outbox rows, 5,000 unpublished: no Sort in the plan, the oldest 100 first."""
    schema, url = scratch
    metadata = MetaData(schema=schema)
    tables = add_event_tables(metadata)
    db = Database(url)
    bus = EmbeddedBus(tmp_path / "bus.db")
    try:
        metadata.create_all(db.engine)
        start = utcnow() - timedelta(hours=1)
        rows = [
            {
                "id": f"e{n:06d}",
                "topic": "jes.case-sync.events",
                "key": f"case-{n % 1000}",
                "value": b"x" * 300,
                "created_at": start + timedelta(milliseconds=n),
                "published_at": start if n < 15_000 else None,
            }
            for n in range(20_000)
        ]
        with db.engine.begin() as conn:
            conn.execute(insert(tables.outbox), rows)
            conn.exec_driver_sql(f'ANALYZE "{schema}".outbox')
        relay = OutboxRelay(db, tables, bus, "case-sync")
        query = relay.pending_query(100)
        with db.engine.begin() as conn:
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))
            batch = conn.execute(query).all()
        assert UNPUBLISHED_INDEX in plan, plan
        assert "Sort" not in plan, plan
        assert [row.id for row in batch] == [f"e{n:06d}" for n in range(15_000, 15_100)]
    finally:
        bus.close()
        db.dispose()

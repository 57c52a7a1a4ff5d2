"""jes_db's round trips on the real PostgreSQL. A connection used moments ago goes to the next
transaction without a `SELECT 1` round trip (pool_pre_ping sent one before every
transaction), and one that sat idle is checked first, so a connection the server ended
while it was idle (a restart, a proxy's idle timeout) is replaced, not handed to a
transaction that would fail. `Database.statements()` runs in autocommit (no BEGIN and
COMMIT), and the connection goes back to the pool for transactions again."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, create_engine, text

import jes_db
from jes_db import Database, make_engine
from support.distributed import pg_url


@pytest.fixture
def pinged(
    infra: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, list[int]]]:
    monkeypatch.setattr(jes_db, "PING_IDLE_SECONDS", 0.3)
    engine = make_engine(pg_url(infra, "case_sync"))
    pings: list[int] = []
    do_ping = engine.dialect.do_ping

    def counted(dbapi_conn):  # type: ignore[no-untyped-def]
        pings.append(1)
        return do_ping(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    try:
        yield engine, pings
    finally:
        engine.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_used_moments_ago_is_not_pinged(pinged: tuple[Engine, list[int]]):
    engine, pings = pinged
    pids = {backend_pid(engine) for _ in range(20)}
    assert len(pids) == 1  # the same pooled connection every time
    assert pings == []


def test_an_idle_connection_the_server_ended_is_replaced_before_use(
    pinged: tuple[Engine, list[int]], infra: dict[str, str]
):
    engine, pings = pinged
    first = backend_pid(engine)
    admin = create_engine(pg_url(infra, "case_sync"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first}).scalar()
        assert ended
    finally:
        admin.dispose()
    time.sleep(0.5)  # idle past PING_IDLE_SECONDS
    second = backend_pid(engine)  # no error: the dead connection was replaced
    assert second != first
    assert len(pings) == 1


def test_statements_commit_each_by_itself_with_no_transaction_open(infra: dict[str, str]):
    """`Database.statements()`: autocommit, so no BEGIN and COMMIT round trips; a write
    is visible to others at once, before the block ends."""
    db = Database(pg_url(infra, "case_sync"))
    other = create_engine(pg_url(infra, "case_sync"))
    try:
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS statements_probe (n int)"))
            conn.execute(text("DELETE FROM statements_probe"))
        with db.statements() as session:
            session.execute(text("SELECT 1"))
            driver = session.connection().connection.dbapi_connection
            assert driver is not None
            assert driver.info.transaction_status == TransactionStatus.IDLE  # none open
            session.execute(text("INSERT INTO statements_probe VALUES (1)"))
            with other.connect() as conn:  # committed already
                assert conn.execute(text("SELECT count(*) FROM statements_probe")).scalar() == 1
        with db.transaction() as session:  # the pool's connection is back to transactions
            session.execute(text("SELECT 1"))
            driver = session.connection().connection.dbapi_connection
            assert driver is not None
            assert driver.info.transaction_status == TransactionStatus.INTRANS
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS statements_probe"))
        other.dispose()
        db.dispose()

"""jes_db on SQLite: transactions, UTC datetimes, migrations, concurrent writers."""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import String, inspect, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jes_db import (
    TYPE_ANNOTATION_MAP,
    Database,
    make_engine,
    new_id,
    run_migrations,
    utcnow,
)


class Base(DeclarativeBase):
    type_annotation_map = TYPE_ANNOTATION_MAP


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    text: Mapped[str]
    at: Mapped[datetime] = mapped_column(default=utcnow)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path}/sub/dir/test.db")
    Base.metadata.create_all(database.engine)
    return database


def test_transaction_commits_or_rolls_back_as_a_whole(db: Database):
    with db.transaction() as session:
        session.add(Note(text="kept"))
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.add(Note(text="lost"))
        session.flush()
        raise RuntimeError("boom")
    with db.transaction() as session:
        assert session.scalars(select(Note.text)).all() == ["kept"]


def test_datetimes_come_back_aware_in_utc(db: Database):
    moment = datetime(2026, 11, 21, 8, 30, tzinfo=UTC)
    with db.transaction() as session:
        session.add(Note(id="n1", text="x", at=moment))
    with db.transaction() as session:
        note = session.get(Note, "n1")
        assert note is not None and note.at == moment and note.at.tzinfo is not None


def test_concurrent_writers_queue_instead_of_failing(db: Database):
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                with db.transaction() as session:
                    count = len(session.scalars(select(Note.id)).all())
                    session.add(Note(text=f"{n}-{i}-{count}"))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.transaction() as session:
        assert len(session.scalars(select(Note.id)).all()) == 80


def handover_lag(db: Database) -> float:
    """Seconds from one thread's commit to the start of the transaction waiting for it."""
    holding = threading.Event()
    committed_at: list[float] = []
    began_at: list[float] = []

    def hold() -> None:
        with db.transaction() as session:
            session.add(Note(text="first"))
            session.flush()
            holding.set()
            time.sleep(0.6)
        committed_at.append(time.perf_counter())

    def wait_then_write() -> None:
        holding.wait(5)
        with db.transaction() as session:
            session.execute(select(Note.id).limit(1))  # BEGIN IMMEDIATE: the write lock
            began_at.append(time.perf_counter())
            session.add(Note(text="second"))

    threads = [threading.Thread(target=hold), threading.Thread(target=wait_then_write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return began_at[0] - committed_at[0]


def test_a_waiting_writer_starts_as_soon_as_the_writer_before_it_commits(db: Database):
    """Threads of one process wait for a SQLite database in turn, woken at the commit:
    SQLite's own busy handler polls in sleeps of up to 100 ms, and three busy writers
    (notification's consumer, composer and sender) spent most of a burst asleep."""
    lags = [handover_lag(db) for _ in range(5)]
    assert statistics.median(lags) < 0.025, lags


def test_service_migrations_upgrade_an_empty_database(tmp_path: Path):
    from jes_identity.app import MIGRATIONS

    url = f"sqlite:///{tmp_path}/identity.db"
    run_migrations(url, MIGRATIONS)
    run_migrations(url, MIGRATIONS)  # a second start finds nothing to do
    tables = set(inspect(Database(url).engine).get_table_names())
    assert {"accounts", "firm_applications", "outbox", "processed_events"} <= tables


def test_bulk_insert_writes_every_row_once(tmp_path):
    """jes_db.bulk.bulk_insert: SQLite here (executemany); PostgreSQL (COPY) in the
    case-sync benchmark and tests/integration/test_bulk_insert_postgres.py."""
    from datetime import UTC, datetime

    from sqlalchemy import Column, Integer, MetaData, String, Table, select

    from jes_db import Database, UTCDateTime
    from jes_db.bulk import bulk_insert

    metadata = MetaData()
    table = Table(
        "things",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("n", Integer),
        Column("at", UTCDateTime()),
    )
    db = Database(f"sqlite:///{tmp_path}/bulk.db")
    metadata.create_all(db.engine)
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    with db.transaction() as session:
        bulk_insert(session, table, [{"id": f"t{n}", "n": n, "at": at} for n in range(3)])
        bulk_insert(session, table, [])
    with db.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.n)).all()
    assert [(r.id, r.n, r.at) for r in rows] == [("t0", 0, at), ("t1", 1, at), ("t2", 2, at)]
    db.dispose()


def test_new_ids_are_random_uuid4s_drawn_with_one_call_for_the_whole_batch(monkeypatch):
    """A bulk ingest names thousands of rows: one draw of randomness for all of them (a
    getrandom call per uuid4 was 8% of case-sync's CPU), still version 4 UUIDs."""
    import os
    import uuid

    import jes_db

    draws = []
    real_urandom = os.urandom

    def counted(size: int) -> bytes:
        draws.append(size)
        return real_urandom(size)

    monkeypatch.setattr(jes_db.os, "urandom", counted)
    ids = jes_db.new_ids(1000)
    assert draws == [16 * 1000]
    assert len(set(ids)) == 1000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # the canonical lower-case, hyphenated form
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
    assert jes_db.new_ids(0) == []


def test_a_process_opening_the_database_while_another_writes_it_waits_for_the_lock(tmp_path):
    # The second gateway of two started at once: the first is writing (its migrations)
    # to a database not yet in WAL mode, where SQLite refuses the switch at once.
    path = tmp_path / "shared.db"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.5, writer.execute, ["COMMIT"]).start()
    started = time.monotonic()
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
    assert time.monotonic() - started >= 0.4  # it waited for the writer
    engine.dispose()
    writer.close()

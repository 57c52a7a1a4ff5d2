"""Database access shared by the services: SQLAlchemy 2 engines and Alembic migrations.

The same code runs on SQLite (all-in-one) and PostgreSQL (distributed).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, String, TypeDecorator, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

__all__ = [
    "SQLITE_BUSY_SECONDS",
    "TYPE_ANNOTATION_MAP",
    "Database",
    "UTCDateTime",
    "make_engine",
    "new_id",
    "new_ids",
    "run_migrations",
    "set_wal_mode",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


# byte 6's high half is the UUID's version (4), byte 8's top bits its variant (RFC 4122)
_VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))
_VARIANT_RFC_4122 = bytes((b & 0x3F) | 0x80 for b in range(256))


def new_ids(count: int) -> list[str]:
    """`count` random version 4 UUIDs as new_id() writes them, from one draw of
    randomness: a bulk ingest names thousands of rows, and a getrandom call per uuid4
    cost 8% of case-sync's CPU there."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_VARIANT_RFC_4122)
    text = raw.hex()
    return [
        f"{text[i : i + 8]}-{text[i + 8 : i + 12]}-{text[i + 12 : i + 16]}"
        f"-{text[i + 16 : i + 20]}-{text[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use jes_db.utcnow() or an aware datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# Each service declares its own `class Base(DeclarativeBase)` (its own metadata, so
# services sharing a process never share tables) with this annotation map.
TYPE_ANNOTATION_MAP: dict[Any, Any] = {datetime: UTCDateTime(), str: String()}


SQLITE_BUSY_SECONDS = 30  # how long a connection waits for another's lock (busy_timeout)


def set_wal_mode(cursor: Any) -> None:
    """PRAGMA journal_mode=WAL. While another connection holds the write lock of a database
    not yet in WAL mode (a second process starting while the first migrates), SQLite
    refuses the switch at once, without its busy handler: try again until that lock is
    let go, as long as a busy wait would."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Connections are kept: opening one costs the PRAGMAs below, and closing a
            # WAL database's last connection checkpoints it (an fsync), which cost every
            # transaction ~3 ms of CPU when each had a connection of its own. SQLite
            # still serialises the writers with its file lock (BEGIN IMMEDIATE below).
            engine = create_engine(
                url,
                echo=echo,
                poolclass=QueuePool,
                pool_size=5,
                max_overflow=10,
                connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False},
            )
        else:  # each connection to :memory: is a database of its own
            engine = create_engine(
                url, echo=echo, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_SECONDS}
            )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # autocommit off in the driver; we issue BEGIN IMMEDIATE ourselves (see below)
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            set_wal_mode(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Take the write lock at the start, so two writers queue instead of failing
            # with "database is locked" when a reader upgrades to a writer.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, echo=echo, pool_size=5, max_overflow=10)
    ping_when_idle(engine, PING_IDLE_SECONDS)
    return engine


# A pooled connection unused for this long is checked (`SELECT 1`) before a transaction
# gets it; one used more recently is not. SQLAlchemy's `pool_pre_ping` checks every
# checkout: a round trip before every transaction (11 % of case-sync's GetCase, most of
# identity's RefreshSession's pool checkout), to catch what is rare and mostly happens to
# idle connections (a server restart, a proxy's idle timeout, a failover while quiet).
PING_IDLE_SECONDS = 5.0
_CHECKED_IN_AT = "jes_checked_in_at"


def ping_when_idle(engine: Engine, idle_seconds: float = PING_IDLE_SECONDS) -> None:
    """Ping a pooled connection on checkout only when it sat idle over `idle_seconds`; a
    dead one is replaced (and the pool's older connections with it) before the
    transaction starts. A connection that breaks while in use fails that transaction, as
    with `pool_pre_ping`; so does the first transaction to get a connection that died
    less than `idle_seconds` after its last use; SQLAlchemy then invalidates the whole
    pool (every older connection is replaced on its next checkout)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN_AT)
        if since is None or time.monotonic() - since <= idle_seconds:
            return  # fresh, or used moments ago
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_conn, None):
                # the pool replaces it (and every connection older) and tries again
                raise exc.InvalidatePoolError() from error
            raise


class Database:
    """An engine and a session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time, and a writer waiting for its file lock polls in
        # sleeps of up to 100 ms: this process's threads queue here instead, each woken
        # the moment the one before it is done (other processes still meet the file lock).
        self._writers: AbstractContextManager[object] = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit on success, roll back on any exception."""
        with self._writers, self.sessions.begin() as session:
            yield session

    @contextmanager
    def statements(self) -> Iterator[Session]:
        """A session whose every statement commits by itself (PostgreSQL: the connection
        in autocommit), for a use case that reads and writes at most one statement: no
        BEGIN and COMMIT round trips. Under READ COMMITTED each statement of a
        transaction takes a fresh snapshot anyway, so reads see what they would have
        inside one. Pending ORM changes are flushed at the end (one statement each); an
        error leaves earlier statements done. On SQLite: `transaction()`."""
        if self.engine.dialect.name == "sqlite":
            with self.transaction() as session:
                yield session
            return
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            with Session(bind=conn, expire_on_commit=False) as session:
                yield session
                session.commit()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()


def run_migrations(url: str, script_location: str | Path) -> None:
    """Upgrade the database at `url` to the newest revision of a service's migrations."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")

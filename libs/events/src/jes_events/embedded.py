"""The embedded event bus: a durable message log in one SQLite file.

All-in-one mode runs every service in one process tree on one machine; they share one
`bus.db`. It keeps Kafka's guarantees where the outbox and the consumers rely on them:

* a publish returns only after the messages are committed to disk (WAL, synchronous=FULL);
* every consumer group has its own committed offset per topic, stored in the same file,
  so a restarted (or SIGKILLed) consumer resumes after the last committed message;
* messages are kept for a retention period (default 7 days) whether consumed or not.

One partition per topic: `offset` is a single increasing sequence over the whole file, so
within a topic offsets increase but are not contiguous. Several processes may use the file
at once (SQLite's locking with a busy timeout). Two consumers of the same group each read
everything; the consumers' processed-event records make that harmless.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jes_db import SQLITE_BUSY_SECONDS, set_wal_mode
from jes_events.bus import Bus, BusConsumer, OutgoingMessage, Record

__all__ = ["EmbeddedBus"]

log = logging.getLogger("jes.events.embedded")

# Consumers in other processes are not woken by a publish; they look again this often.
POLL_INTERVAL = 0.1
PURGE_EVERY = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    "offset" INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT,
    value BLOB NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    time TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_topic_offset ON messages (topic, "offset");
CREATE TABLE IF NOT EXISTS consumer_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    next_offset INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (group_id, topic)
);
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
"""


def _now() -> str:
    # Fixed-width ISO text, so comparing strings compares times (used by the purge).
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; writers say BEGIN IMMEDIATE themselves.
    conn = sqlite3.connect(
        str(path), timeout=SQLITE_BUSY_SECONDS, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    set_wal_mode(conn)  # waits while another process creates the bus's tables
    # FULL: a commit is on disk when it returns, so "published" survives even a power cut.
    conn.execute("PRAGMA synchronous=FULL")
    return conn


class _Signal:
    """Wakes consumers in this process as soon as a publisher in this process commits."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.generation = 0

    def bump(self) -> None:
        with self._cond:
            self.generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self.generation != seen, timeout)


_signals: dict[str, _Signal] = {}
_signals_lock = threading.Lock()


def _signal_for(path: Path) -> _Signal:
    with _signals_lock:
        return _signals.setdefault(str(path.resolve()), _Signal())


class EmbeddedBus(Bus):
    def __init__(self, path: str | Path, *, retention: timedelta = timedelta(days=7)):
        self.path = Path(path)
        self.retention = retention
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = _connect(self.path)
        self._lock = threading.Lock()  # one connection, shared by the threads of a process
        self._signal = _signal_for(self.path)
        self._next_purge = 0.0
        with self._write() as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE queues writers instead of failing them."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        if not messages:
            return
        now = _now()
        rows = [(m.topic, m.key, m.value, json.dumps(dict(m.headers)), now) for m in messages]
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO messages (topic, key, value, headers, time) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        self._signal.bump()
        if time.monotonic() >= self._next_purge:
            self.purge()

    def purge(self) -> int:
        """Delete messages older than the retention period, as Kafka does."""
        self._next_purge = time.monotonic() + PURGE_EVERY
        cutoff = (datetime.now(UTC) - self.retention).isoformat(timespec="microseconds")
        with self._write() as conn:
            deleted = conn.execute("DELETE FROM messages WHERE time < ?", (cutoff,)).rowcount
        if deleted:
            log.info("purged %d messages older than %s from %s", deleted, cutoff, self.path)
        return deleted

    def ensure_topics(self, names: Iterable[str]) -> None:
        rows = [(name, _now()) for name in names]
        with self._write() as conn:
            conn.executemany("INSERT OR IGNORE INTO topics (name, created_at) VALUES (?, ?)", rows)

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        return EmbeddedConsumer(self.path, self._signal, group, topics)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class EmbeddedConsumer(BusConsumer):
    def __init__(self, path: Path, signal: _Signal, group: str, topics: Sequence[str]):
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        self.group = group
        self.topics = list(dict.fromkeys(topics))
        self._signal = signal
        self._conn = _connect(path)
        # Start from the group's committed offsets, like a Kafka consumer joining its group.
        self._positions = {topic: self._committed(topic) for topic in self.topics}

    def _committed(self, topic: str) -> int:
        row = self._conn.execute(
            "SELECT next_offset FROM consumer_offsets WHERE group_id = ? AND topic = ?",
            (self.group, topic),
        ).fetchone()
        return int(row[0]) if row else 0

    def _fetch(self, max_records: int) -> list[Record]:
        records: list[Record] = []
        for topic in self.topics:
            rows = self._conn.execute(
                'SELECT "offset", key, value, headers FROM messages'
                ' WHERE topic = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (topic, self._positions[topic], max_records),
            ).fetchall()
            records += [
                Record(topic, 0, offset, key, bytes(value), json.loads(headers))
                for offset, key, value, headers in rows
            ]
        # Several topics: hand them out in the order they were published.
        records.sort(key=lambda r: r.offset)
        return records[:max_records]

    def poll(self, timeout: float, max_records: int) -> list[Record]:
        deadline = time.monotonic() + timeout
        while True:
            seen = self._signal.generation
            records = self._fetch(max_records)
            if records:
                for record in records:
                    self._positions[record.topic] = record.offset + 1
                return records
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._signal.wait(seen, min(remaining, POLL_INTERVAL))

    def commit(self, record: Record) -> None:
        # max(): a slower consumer of the same group never moves the offset back.
        self._conn.execute(
            "INSERT INTO consumer_offsets (group_id, topic, next_offset, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic) DO UPDATE SET"
            " next_offset = max(next_offset, excluded.next_offset),"
            " updated_at = excluded.updated_at",
            (self.group, record.topic, record.offset + 1, _now()),
        )

    def lag(self) -> dict[str, int]:
        lags = {}
        for topic in self.topics:
            (count,) = self._conn.execute(
                'SELECT count(*) FROM messages WHERE topic = ? AND "offset" >= coalesce('
                "(SELECT next_offset FROM consumer_offsets WHERE group_id = ? AND topic = ?), 0)",
                (topic, self.group, topic),
            ).fetchone()
            lags[topic] = int(count)
        return lags

    def close(self) -> None:
        self._conn.close()

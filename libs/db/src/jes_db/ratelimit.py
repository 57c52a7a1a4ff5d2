"""Request limits counted in a database, so every process that shares the database (the
replicas of the gateway) shares one budget per key.

A sliding window counter: hits are counted per fixed window of `window` seconds, with one
atomic upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, SQLite 3.35+ and
PostgreSQL alike); the estimate weighs the previous window by how much of it still lies
inside the sliding window, so a client cannot spend two budgets around a boundary. Keys
are stored hashed (a client address is personal data).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from jes_db import Database

__all__ = ["SlidingWindow", "SqlRateLimiter", "rate_limit_metadata"]

rate_limit_metadata = MetaData()
rate_limit_hits = Table(
    "rate_limit_hits",
    rate_limit_metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),  # seconds since the epoch
    Column("hits", Integer, nullable=False),
)
CLEANUP_CHANCE = 0.01  # one call in a hundred removes windows no estimate reads any more
MAX_WINDOW = 86_400  # seconds; older windows than two of these are of no use to any rule


@dataclass(frozen=True)
class SlidingWindow:
    limit: int  # requests allowed per `window` seconds
    window: int

    def __post_init__(self) -> None:
        if not (0 < self.window <= MAX_WINDOW) or self.limit < 1:
            raise ValueError(f"a window of 1 to {MAX_WINDOW} s and a limit of at least 1")

    def estimate(self, previous: int, current: int, into_window: float) -> float:
        """Requests in the last `window` seconds: the current window's count and the part
        of the previous window's that the sliding window still covers."""
        return previous * (1 - into_window / self.window) + current


def _create_table(db: Database) -> None:
    """The counters' table, made by whichever replica starts first: on PostgreSQL two
    gateways starting at once would both see no table and one CREATE would fail, so the
    check and the create happen under a transaction-scoped advisory lock."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext('jes_db.rate_limit_hits'))")
            )
        rate_limit_metadata.create_all(connection, checkfirst=True)


class SqlRateLimiter:
    """`hit(key, window)` counts one request and says whether it is within the limit."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock
        _create_table(db)
        dialect = db.engine.dialect.name
        # both dialects' INSERT has on_conflict_do_update (the common Insert has not)
        self._insert: Callable[..., Any] = {
            "postgresql": postgresql.insert,
            "sqlite": sqlite.insert,
        }[dialect]

    def hit(self, key: str, rule: SlidingWindow) -> bool:
        now = self.clock()
        start = int(now // rule.window) * rule.window
        key_hash = hashlib.sha256(key.encode()).hexdigest()
        upsert = (
            self._insert(rate_limit_hits)
            .values(key_hash=key_hash, window_start=start, hits=1)
            .on_conflict_do_update(
                index_elements=["key_hash", "window_start"],
                set_={"hits": rate_limit_hits.c.hits + 1},
            )
            .returning(rate_limit_hits.c.hits)
        )
        with self.db.transaction() as session:
            current = int(session.execute(upsert).scalar_one())
            previous = session.scalar(
                select(rate_limit_hits.c.hits).where(
                    and_(
                        rate_limit_hits.c.key_hash == key_hash,
                        rate_limit_hits.c.window_start == start - rule.window,
                    )
                )
            )
            if random.random() < CLEANUP_CHANCE:
                session.execute(
                    delete(rate_limit_hits).where(
                        rate_limit_hits.c.window_start < now - 2 * MAX_WINDOW
                    )
                )
        # the request just counted is in `current`: within the limit while the estimate is
        return rule.estimate(previous or 0, current, now - start) <= rule.limit

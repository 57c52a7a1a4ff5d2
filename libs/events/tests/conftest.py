from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from jes.identity.v1 import identity_pb2
from jes_db import Database
from jes_events import EventTables, add_event_tables
from jes_events.embedded import EmbeddedBus


@dataclass
class Service:
    """A service's database: its own state table plus the event tables."""

    name: str
    db: Database
    tables: EventTables
    things: Table  # the producer's state
    effects: Table  # the consumer's effect: one row per applied event (duplicates allowed)

    def count(self, table: Table) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def make_service(path: Path, name: str) -> Service:
    metadata = MetaData()
    tables = add_event_tables(metadata)
    things = Table("things", metadata, Column("id", String(64), primary_key=True))
    effects = Table(
        "effects",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False),
    )
    db = Database(f"sqlite:///{path}")
    metadata.create_all(db.engine)
    return Service(name, db, tables, things, effects)


@pytest.fixture
def unique() -> str:
    """Metric labels and group names unique to one test (metrics are process-wide)."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def producer(tmp_path: Path, unique: str) -> Iterator[Service]:
    service = make_service(tmp_path / "producer.db", f"producer-{unique}")
    yield service
    service.db.dispose()


@pytest.fixture
def consumer_db(tmp_path: Path, unique: str) -> Iterator[Service]:
    service = make_service(tmp_path / "consumer.db", f"consumer-{unique}")
    yield service
    service.db.dispose()


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[EmbeddedBus]:
    bus = EmbeddedBus(tmp_path / "bus.db")
    yield bus
    bus.close()


def _payload(n: int | str) -> identity_pb2.FirmAccountApplied:
    return identity_pb2.FirmAccountApplied(
        application=identity_pb2.FirmApplication(id=f"app-{n}", company_name=f"估價公司 {n}")
    )


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def payload() -> Callable[[int | str], identity_pb2.FirmAccountApplied]:
    """payload(n): an identity event payload numbered n."""
    return _payload


@pytest.fixture
def metric() -> Callable[..., float]:
    """metric(name, **labels): a sample of the default Prometheus registry (0 if absent)."""
    return _metric

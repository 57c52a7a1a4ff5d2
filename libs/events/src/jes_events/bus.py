"""The event bus seen by the outbox relay and the consumers, whatever carries it.

Two implementations: `KafkaBus` (distributed mode) and `EmbeddedBus` (all-in-one mode, a
durable log in one SQLite file). `connect_bus` picks one from `JES_EVENT_BUS_URL`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

__all__ = ["Bus", "BusConsumer", "OutgoingMessage", "Record", "connect_bus", "dead_letter_topic"]


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


@dataclass(frozen=True)
class OutgoingMessage:
    topic: str
    key: str
    value: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    """One message read from the bus; `offset` is its position within (topic, partition)."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class BusConsumer(ABC):
    """Reads (group, topics) from the committed offsets on; commits after the effect.

    Whatever was polled but not committed comes again only from a new consumer: a caller
    that gives up on part of a batch closes this one and asks the bus for another.
    """

    @abstractmethod
    def poll(self, timeout: float, max_records: int) -> list[Record]:
        """Wait up to `timeout` seconds for records; an empty list when none came."""

    @abstractmethod
    def commit(self, record: Record) -> None:
        """Durably move the group past `record`; it is not delivered to the group again."""

    @abstractmethod
    def lag(self) -> dict[str, int]:
        """Messages per topic that the group has not consumed yet."""

    @abstractmethod
    def close(self) -> None: ...


class Bus(ABC):
    """Publishes messages and hands out consumers. Thread-safe."""

    @abstractmethod
    def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publish all; returns only when every one is durably stored, raises otherwise."""

    def publish(
        self, topic: str, key: str, value: bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        self.publish_many([OutgoingMessage(topic, key, value, dict(headers or {}))])

    @abstractmethod
    def ensure_topics(self, names: Iterable[str]) -> None:
        """Create the topics that do not exist yet."""

    @abstractmethod
    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer: ...

    @abstractmethod
    def close(self) -> None: ...


def connect_bus(url: str, client_id: str, kafka_security: Mapping[str, Any] | None = None) -> Bus:
    """`embedded:///abs/path/bus.db` or `kafka://host:port[,host:port][?namespace=prefix.]`.

    Connections are made lazily, so this succeeds even while Kafka is still starting.
    """
    parsed = urlparse(url)
    if parsed.scheme == "embedded":
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"embedded bus URL needs an absolute path (embedded:///...): {url!r}")
        path = Path(unquote(parsed.path))
        if not path.is_absolute() or path.name == "":
            raise ValueError(f"embedded bus URL needs an absolute file path: {url!r}")
        from jes_events.embedded import EmbeddedBus

        return EmbeddedBus(path)
    if parsed.scheme == "kafka":
        servers = [s.strip() for s in parsed.netloc.split(",") if s.strip()]
        if not servers:
            raise ValueError(f"kafka bus URL needs host:port: {url!r}")
        from jes_events.kafka_bus import KafkaBus

        namespace = parse_qs(parsed.query).get("namespace", [""])[0]
        return KafkaBus(servers, client_id=client_id, security=kafka_security, namespace=namespace)
    raise ValueError(f"event bus URL must start with embedded:// or kafka://, got {url!r}")

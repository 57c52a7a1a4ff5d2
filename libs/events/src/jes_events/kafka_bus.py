"""The event bus on Apache Kafka (distributed mode), with kafka-python."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError, for_code
from kafka.structs import OffsetAndMetadata

from jes_events.bus import Bus, BusConsumer, OutgoingMessage, Record

__all__ = ["KafkaBus"]

log = logging.getLogger("jes.events.kafka")

REQUEST_TIMEOUT_MS = 15_000
# A publish fails (and the relay tries again later) if Kafka has not stored it by then.
DELIVERY_TIMEOUT_MS = 30_000
# How long a consumer group waits for a silent member before giving its partitions away.
SESSION_TIMEOUT_MS = 10_000


class KafkaBus(Bus):
    """`namespace` (the URL's ?namespace=) is put before every topic and consumer group
    name on the broker, so a second platform (a benchmark) can share a Kafka without
    seeing or taking the first one's events; the services still use the plain names."""

    def __init__(
        self,
        bootstrap_servers: Sequence[str],
        *,
        client_id: str,
        security: Mapping[str, Any] | None = None,
        namespace: str = "",
    ):
        self.bootstrap_servers = list(bootstrap_servers)
        self.client_id = client_id
        # TLS/SASL keyword arguments (jes_config.KafkaSecurity.client_options), the same
        # for the producer, every consumer and the admin client
        self.security = dict(security or {})
        self.namespace = namespace
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _get_producer(self) -> KafkaProducer:
        # Made on first use, so a service starts even while Kafka is not up yet.
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id=self.client_id,
                    **self.security,
                    # Stored on every in-sync replica before it counts as published.
                    acks="all",
                    # kafka-python 3 supports idempotence; explicit, so a conflicting
                    # setting raises instead of silently turning it off. Its retries stay
                    # at the default (unbounded within delivery_timeout_ms), as its docs
                    # recommend for idempotent producers.
                    enable_idempotence=True,
                    linger_ms=5,
                    request_timeout_ms=REQUEST_TIMEOUT_MS,
                    delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
                    max_block_ms=REQUEST_TIMEOUT_MS,
                )
            return self._producer

    def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        if not messages:
            return
        producer = self._get_producer()
        try:
            futures = [
                producer.send(
                    self.namespace + m.topic,
                    key=m.key.encode(),  # the aggregate id: its events stay in one partition
                    value=m.value,
                    headers=[(name, value.encode()) for name, value in m.headers.items()],
                )
                for m in messages
            ]
            producer.flush(timeout=DELIVERY_TIMEOUT_MS / 1000)
            for future in futures:
                future.get(timeout=DELIVERY_TIMEOUT_MS / 1000)  # raises unless acknowledged
        except KafkaError:
            # Start the next attempt with a fresh producer rather than one in an unknown
            # state; the caller publishes the whole batch again.
            self._discard_producer(producer)
            raise

    def _discard_producer(self, producer: KafkaProducer) -> None:
        with self._lock:
            if self._producer is producer:
                self._producer = None
        try:
            producer.close(timeout=0)
        except Exception:
            log.warning("closing a failed Kafka producer failed", exc_info=True)

    def ensure_topics(self, names: Iterable[str]) -> None:
        names = list(dict.fromkeys(self.namespace + name for name in names))
        if not names:
            return
        admin = KafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            request_timeout_ms=REQUEST_TIMEOUT_MS,
            **self.security,
        )
        try:
            # Partitions and replication: the broker's defaults (set per environment).
            result = admin.create_topics(names, raise_errors=False)
            for topic in result["topics"]:
                code = topic["error_code"]
                if code and code != TopicAlreadyExistsError.errno:
                    error = for_code(code)
                    raise error(f"creating topic {topic['name']}: {topic.get('error_message')}")
            admin.wait_for_topics(names, timeout_ms=REQUEST_TIMEOUT_MS)
        finally:
            admin.close()

    def consumer(self, group: str, topics: Sequence[str]) -> BusConsumer:
        return KafkaBusConsumer(self, group, topics)

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=DELIVERY_TIMEOUT_MS / 1000)
                self._producer = None


class KafkaBusConsumer(BusConsumer):
    def __init__(self, bus: KafkaBus, group: str, topics: Sequence[str]):
        self.group = group
        self.namespace = bus.namespace
        self._consumer = KafkaConsumer(
            *(bus.namespace + topic for topic in topics),
            bootstrap_servers=bus.bootstrap_servers,
            client_id=bus.client_id,
            group_id=bus.namespace + group,
            **bus.security,
            # Offsets move only when we commit, after the effect is in the database.
            enable_auto_commit=False,
            # A new group starts at the beginning: no event published before it is skipped.
            auto_offset_reset="earliest",
            request_timeout_ms=REQUEST_TIMEOUT_MS + 5_000,
            # A member killed without leaving (kill -9) holds its partitions until its
            # session ends: 10 s, not the client's 45 s, so the restarted service reads
            # (and mails) again within seconds. Heartbeats go from a thread of their own.
            session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=SESSION_TIMEOUT_MS // 3,
        )

    def poll(self, timeout: float, max_records: int) -> list[Record]:
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000), max_records=max_records)
        return [
            Record(
                topic=message.topic.removeprefix(self.namespace),
                partition=message.partition,
                offset=message.offset,
                key=message.key.decode(errors="replace") if message.key is not None else None,
                value=message.value,
                headers={
                    name: (value or b"").decode(errors="replace")
                    for name, value in message.headers or []
                },
            )
            for messages in batches.values()
            for message in messages
        ]

    def commit(self, record: Record) -> None:
        # Kafka's committed offset is the next one to read.
        offsets: dict[Any, Any] = {
            TopicPartition(self.namespace + record.topic, record.partition): OffsetAndMetadata(
                record.offset + 1, "", -1
            )
        }
        self._consumer.commit(offsets)

    def lag(self) -> dict[str, int]:
        """Lag of the partitions assigned to this member (other members report theirs)."""
        lags: dict[str, int] = defaultdict(int)
        for partition in self._consumer.assignment():
            try:
                highwater = self._consumer.highwater(partition)
                position = self._consumer.position(partition, timeout_ms=1000)
            except KafkaError:
                continue
            if highwater is not None and position is not None:
                lags[partition.topic.removeprefix(self.namespace)] += max(highwater - position, 0)
        return dict(lags)

    def close(self) -> None:
        self._consumer.close(autocommit=False)

"""The wiring every service repeats, in one place.

A service's app module builds a `ServiceKit` from its config, adds its servicer and event
handlers, and returns it; jes_platform's runtime starts and stops it, alone
(`python -m jes_<service>`, `jes run --target=<service>`) or with every other module in one
process (`jes run --target=all`). Nothing here knows any service's domain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import MetaData

from jes_auth import TokenVerifier
from jes_config import ServiceConfig
from jes_db import Database, run_migrations
from jes_events import (
    BatchHandler,
    Bus,
    EventConsumer,
    EventTables,
    Handler,
    Outbox,
    OutboxRelay,
    connect_bus,
)
from jes_grpckit import Client, GrpcServer, TlsIdentity, jwks_from_identity
from jes_grpckit.client import DEFAULT_TIMEOUT
from jes_grpckit.runtime import MetricsServer, Runtime
from jes_objectstore import open_store

__all__ = ["ServiceKit", "topic_of"]

log = logging.getLogger("jes.service")

StubT = TypeVar("StubT")


def topic_of(service: str) -> str:
    return f"jes.{service}.events"


class _GrpcComponent:
    def __init__(self, server: GrpcServer):
        self.server = server

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop(grace=10)


class ServiceKit:
    """Database (migrated), event bus, outbox + relay, its TLS identity, token verifier,
    gRPC server, clients of other services."""

    def __init__(
        self,
        config: ServiceConfig,
        *,
        metadata: MetaData,
        event_tables: EventTables,
        migrations: Path,
        verifier: TokenVerifier | None = None,
        bus: Bus | None = None,
        metrics: bool = True,
        probes: bool = True,
    ):
        """`metrics`/`probes`: serve /metrics and the plaintext health port (off when
        several modules share one process)."""
        self.config = config
        self.name = config.name
        platform = config.platform
        self.db = Database(config.database_url)
        run_migrations(config.database_url, migrations)
        self.metadata = metadata
        self.event_tables = event_tables
        self.bus = bus or connect_bus(
            platform.event_bus_url,
            client_id=self.name,
            kafka_security=platform.kafka.client_options(),
        )
        self.relay = OutboxRelay(self.db, event_tables, self.bus, service=self.name)
        # The relay publishes as soon as a transaction with events commits; its poll is
        # only the safety net for rows it was not told about (e.g. after a restart).
        self.outbox = Outbox(
            event_tables,
            source=self.name,
            topic=topic_of(self.name),
            on_commit=self.relay.notify,
        )
        # Who this module is to every other one (mutual TLS), for serving and calling.
        self.tls = TlsIdentity.load(config.tls, self.name)
        self.verifier = verifier or TokenVerifier(
            jwks_from_identity(platform.addrs["identity"], self.tls)
        )
        self.grpc = GrpcServer(
            self.name,
            port=config.grpc_port,
            host=platform.bind_host,
            verifier=self.verifier,
            tls=self.tls,
            health_port=config.health_port if probes else 0,
        )
        self.runtime = Runtime(self.name)
        if metrics and config.metrics_port:
            self.runtime.add(MetricsServer(config.metrics_port, platform.bind_host))
        self.runtime.add(_GrpcComponent(self.grpc))
        self.runtime.add(self.relay)
        self.bus.ensure_topics([self.outbox.topic])

    def client(
        self, service: str, stub_class: Callable[[Any], StubT], *, timeout: float | None = None
    ) -> Client[StubT]:
        """A client of another service, calling with this module's certificate: as itself
        (`client.stub`) or for the person whose token it forwards (`client.as_caller`)."""
        return Client(
            self.config.platform.addrs[service],
            stub_class,
            tls=self.tls,
            server=service,
            timeout=timeout or DEFAULT_TIMEOUT,
        )

    def object_store(self) -> Any:
        platform = self.config.platform
        return open_store(
            platform.object_store_url,
            access_key=platform.object_store_access_key,
            secret_key=platform.object_store_secret_key,
            public_url=platform.public_url,
            signing_key=platform.url_signing_key,
        )

    def consume(
        self,
        topics: list[str],
        handlers: Mapping[str | type[Message], Handler],
        *,
        max_attempts: int = 5,
        batch_handlers: Mapping[str | type[Message], BatchHandler] | None = None,
    ) -> EventConsumer:
        self.bus.ensure_topics(topics)
        consumer = EventConsumer(
            self.db,
            self.event_tables,
            self.bus,
            group=self.name,
            topics=topics,
            handlers=handlers,
            max_attempts=max_attempts,
            batch_handlers=batch_handlers,
        )
        self.runtime.add(consumer)
        return consumer

    def add_component(self, component: Any) -> None:
        self.runtime.add(component)

    def start(self) -> None:
        self.runtime.start()

    def stop(self) -> None:
        self.runtime.stop()
        self.db.dispose()

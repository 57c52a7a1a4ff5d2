"""The wiring every service repeats, in one place.

A service's app module builds a `ServiceKit` from its config, adds its servicer and event
handlers, and returns it; jes_platform's runtime starts and stops it, alone
(`python -m jes_<service>`, `jes run --target=<service>`) or with every other module in one
process (`jes run --target=all`). Nothing here knows any service's domain.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import MetaData

from jes_auth import TokenVerifier
from jes_config import ServiceConfig
from jes_db import Database, run_migrations
from jes_events import Bus, EventConsumer, EventTables, Handler, Outbox, OutboxRelay, connect_bus
from jes_grpckit import GrpcServer, ServiceTokenProvider, jwks_from_identity
from jes_grpckit.runtime import MetricsServer, Runtime
from jes_objectstore import open_store

__all__ = ["ServiceKit", "topic_of"]

log = logging.getLogger("jes.service")


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
    """Database (migrated), event bus, outbox + relay, token verifier, gRPC server."""

    def __init__(
        self,
        config: ServiceConfig,
        *,
        metadata: MetaData,
        event_tables: EventTables,
        migrations: Path,
        public_methods: Iterable[str] = (),
        verifier: TokenVerifier | None = None,
        bus: Bus | None = None,
        metrics: bool = True,
    ):
        self.config = config
        self.name = config.name
        platform = config.platform
        self.db = Database(config.database_url)
        run_migrations(config.database_url, migrations)
        self.metadata = metadata
        self.event_tables = event_tables
        self.bus = bus or connect_bus(platform.event_bus_url, client_id=self.name)
        self.relay = OutboxRelay(self.db, event_tables, self.bus, service=self.name)
        # The relay publishes as soon as a transaction with events commits; its poll is
        # only the safety net for rows it was not told about (e.g. after a restart).
        self.outbox = Outbox(
            event_tables,
            source=self.name,
            topic=topic_of(self.name),
            on_commit=self.relay.notify,
        )
        self.verifier = verifier or TokenVerifier(jwks_from_identity(platform.addrs["identity"]))
        self.service_token = ServiceTokenProvider(
            platform.addrs["identity"], self.name, platform.service_secret
        )
        self.grpc = GrpcServer(
            self.name,
            port=config.grpc_port,
            host=platform.bind_host,
            verifier=self.verifier,
            public_methods=public_methods,
        )
        self.runtime = Runtime(self.name)
        if metrics and config.metrics_port:
            self.runtime.add(MetricsServer(config.metrics_port, platform.bind_host))
        self.runtime.add(_GrpcComponent(self.grpc))
        self.runtime.add(self.relay)
        self.bus.ensure_topics([self.outbox.topic])

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

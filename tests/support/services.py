"""Factories for service tests: one service built in-process on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from jes.events.v1.envelope_pb2 import Envelope
from jes_config import ServiceConfig
from jes_protos import open_envelope
from jes_servicekit import ServiceKit


def embedded_config(name: str, tmp_path: Path, **settings: str) -> ServiceConfig:
    """SQLite, the embedded bus and a gRPC port chosen by the OS; `settings` add or override.
    Its certificate comes from the CA in `pki_of(tmp_path)`, made on first use."""
    return ServiceConfig.load(
        name,
        {
            "JES_DATA_DIR": str(tmp_path / "data"),
            "JES_GRPC_PORT": "0",
            "JES_METRICS_PORT": "0",
            "JES_HEALTH_PORT": "0",
            "JES_EVENT_BUS_URL": f"embedded://{tmp_path}/bus.db",
            **settings,
        },
    )


def pki_of(tmp_path: Path) -> Path:
    """The PKI folder of services built by `embedded_config(…, tmp_path)`."""
    return tmp_path / "data" / "pki"


def outbox_events(kit: ServiceKit, payload_class: Any) -> list[tuple[Envelope, Any]]:
    """Outbox rows holding `payload_class`, oldest first, unpacked."""
    table = kit.event_tables.outbox
    with kit.db.engine.connect() as conn:
        rows = conn.execute(select(table.c.value).order_by(table.c.created_at)).all()
    found = []
    for (value,) in rows:
        envelope = Envelope.FromString(value)
        if envelope.type == payload_class.DESCRIPTOR.full_name:
            found.append((envelope, open_envelope(envelope, payload_class)))
    return found

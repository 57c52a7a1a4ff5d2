"""Builds the case-sync service from its configuration."""

from __future__ import annotations

from pathlib import Path

from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes_case_sync.models import event_tables, metadata
from jes_case_sync.servicer import CaseSyncServicer
from jes_config import ServiceConfig
from jes_servicekit import ServiceKit

NAME = "case-sync"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: object) -> ServiceKit:
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,  # type: ignore[arg-type]
    )
    kit.grpc.add(
        pb_grpc.add_CaseSyncServiceServicer_to_server,
        CaseSyncServicer(kit.db, kit.outbox),
        "jes.case_sync.v1.CaseSyncService",
    )
    return kit

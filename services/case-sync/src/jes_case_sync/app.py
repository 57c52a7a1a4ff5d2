"""Builds the case-sync service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes_case_sync.add_follower import AddFollower
from jes_case_sync.grpc_api import CaseSyncServicer
from jes_case_sync.models import event_tables, metadata
from jes_case_sync.push_progress import PushProgress
from jes_case_sync.queries import ProgressQueries
from jes_config import ServiceConfig
from jes_servicekit import ServiceKit

NAME = "case-sync"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: Any) -> ServiceKit:
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,
    )
    kit.grpc.add(
        pb_grpc.add_CaseSyncServiceServicer_to_server,
        CaseSyncServicer(
            PushProgress(kit.db, kit.outbox), AddFollower(kit.db), ProgressQueries(kit.db)
        ),
        "jes.case_sync.v1.CaseSyncService",
    )
    return kit

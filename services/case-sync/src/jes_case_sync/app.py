"""Builds the case-sync service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.case_sync.v1 import case_sync_pb2_grpc as pb_grpc
from jes.identity.v1 import identity_pb2_grpc
from jes_case_sync.grpc_api import CaseSyncServicer
from jes_case_sync.identity_port import IdentityPort
from jes_case_sync.models import event_tables, metadata
from jes_case_sync.queries import ProgressQueries
from jes_case_sync.sweeper import CutOffSweeper
from jes_case_sync.usecases.case_lists import CaseLists
from jes_case_sync.usecases.case_page import CasePages
from jes_case_sync.usecases.common import Infrastructure
from jes_case_sync.usecases.cut_off import CutOffSweep
from jes_case_sync.usecases.feeds import Feeds
from jes_case_sync.usecases.follows import Follows
from jes_case_sync.usecases.ingest import Ingest
from jes_case_sync.usecases.reconcile import Reconcile
from jes_config import ServiceConfig
from jes_grpckit import request_id_var
from jes_servicekit import ServiceKit

NAME = "case-sync"
MIGRATIONS = Path(__file__).parent / "migrations"


def current_trace_id() -> str:
    return request_id_var.get() or ""


def build(
    config: ServiceConfig,
    *,
    identity_port: Any = None,
    sweep_interval: float = 60.0,
    **kit_options: Any,
) -> ServiceKit:
    """`identity_port`: what case-sync asks identity (IdentityPort over gRPC unless a
    service test of case-sync alone gives its own)."""
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,
    )
    if identity_port is None:
        identity_port = IdentityPort(kit.client("identity", identity_pb2_grpc.IdentityServiceStub))
    infra = Infrastructure(kit.db, kit.outbox, trace_id=current_trace_id)
    ingest = Ingest(infra)
    pages = CasePages(infra)
    kit.grpc.add(
        pb_grpc.add_CaseSyncServiceServicer_to_server,
        CaseSyncServicer(
            infra.today,
            ingest,
            Reconcile(infra, ingest),
            Follows(infra, identity_port.open_account),
            lists=CaseLists(infra),
            pages=pages,
            feeds=Feeds(infra, pages),
            queries=ProgressQueries(kit.db),
            reader_lookup=identity_port.reader,
        ),
        "jes.case_sync.v1.CaseSyncService",
    )
    # The cut-off's dates (seven days before, the day itself), announced once each.
    kit.add_component(CutOffSweeper(CutOffSweep(infra), interval=sweep_interval))
    return kit

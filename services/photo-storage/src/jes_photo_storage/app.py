"""Builds the photo-storage service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.photo_storage.v1 import photo_storage_pb2_grpc as pb_grpc
from jes.report_render.v1 import report_render_pb2_grpc as render_grpc
from jes_config import ServiceConfig
from jes_photo_storage.grpc_api import SERVICE_NAME, PhotoStorageServicer
from jes_photo_storage.messages import Messages
from jes_photo_storage.models import event_tables, metadata
from jes_photo_storage.reports import RENDER_TIMEOUT_SECONDS, Reports
from jes_photo_storage.storage import BUCKET, PhotoObjects
from jes_photo_storage.usecases.common import Parts
from jes_servicekit import ServiceKit

NAME = "photo-storage"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: Any) -> ServiceKit:
    """kit_options: ServiceKit's own (verifier, bus, metrics), for tests and `jes run`."""
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,
    )
    store = kit.object_store()
    store.ensure_bucket(BUCKET)
    objects = PhotoObjects(store)
    parts = Parts(
        db=kit.db,
        outbox=kit.outbox,
        objects=objects,
        reports=Reports(
            kit.client(
                "report-render",
                render_grpc.ReportRenderServiceStub,
                timeout=RENDER_TIMEOUT_SECONDS,
            )
        ),
        messages=Messages(objects),
    )
    kit.grpc.add(
        pb_grpc.add_PhotoStorageServiceServicer_to_server,
        PhotoStorageServicer(parts, kit.verifier),
        SERVICE_NAME,
    )
    return kit

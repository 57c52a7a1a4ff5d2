"""Builds the photo-storage service from its configuration."""

from __future__ import annotations

from pathlib import Path

from jes.photo_storage.v1 import photo_storage_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_photo_storage.models import event_tables, metadata
from jes_photo_storage.servicer import BUCKET, PUBLIC_METHODS, SERVICE_NAME, PhotoStorageServicer
from jes_servicekit import ServiceKit

NAME = "photo-storage"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: object) -> ServiceKit:
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        public_methods=PUBLIC_METHODS,
        **kit_options,  # type: ignore[arg-type]
    )
    store = kit.object_store()
    store.ensure_bucket(BUCKET)
    servicer = PhotoStorageServicer(
        kit.db, kit.outbox, store, config.platform.addrs["report-render"], kit.service_token
    )
    kit.grpc.add(pb_grpc.add_PhotoStorageServiceServicer_to_server, servicer, SERVICE_NAME)
    return kit

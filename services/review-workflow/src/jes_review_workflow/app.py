"""Builds the review-workflow service from its configuration."""

from __future__ import annotations

from pathlib import Path

from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_review_workflow.models import event_tables, metadata
from jes_review_workflow.servicer import PhotoSetSubmittedHandler, ReviewWorkflowServicer
from jes_servicekit import ServiceKit, topic_of

NAME = "review-workflow"
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
        pb_grpc.add_ReviewWorkflowServiceServicer_to_server,
        ReviewWorkflowServicer(kit.db),
        "jes.review_workflow.v1.ReviewWorkflowService",
    )
    kit.consume(
        [topic_of("photo-storage")],
        {photo_pb.PhotoSetSubmitted: PhotoSetSubmittedHandler(kit.outbox)},
    )
    return kit

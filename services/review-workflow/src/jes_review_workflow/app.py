"""Builds the review-workflow service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.identity.v1 import identity_pb2_grpc
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_grpckit import Client
from jes_review_workflow.carry_out import CarryOutDecisions
from jes_review_workflow.decide_firm_application import DecideFirmApplication
from jes_review_workflow.decide_submission import DecideSubmission
from jes_review_workflow.grpc_api import ReviewWorkflowServicer
from jes_review_workflow.handlers import PhotoSetChangedAfterPrintHandler, PhotoSetSubmittedHandler
from jes_review_workflow.models import event_tables, metadata
from jes_review_workflow.queries import ReviewQueries
from jes_review_workflow.worker import DecisionWorker
from jes_servicekit import ServiceKit, topic_of

NAME = "review-workflow"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: Any) -> ServiceKit:
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,
    )
    addrs = config.platform.addrs
    # Decisions are carried out with review-workflow's own service token; the deciding
    # user is data of the recorded decision (a later attempt has no user token at hand).
    photo_storage = Client(
        addrs["photo-storage"],
        photo_storage_pb2_grpc.PhotoStorageServiceStub,
        token=kit.service_token,
    )
    identity = Client(
        addrs["identity"], identity_pb2_grpc.IdentityServiceStub, token=kit.service_token
    )
    carry_out = CarryOutDecisions(kit.db, kit.outbox, photo_storage, identity)
    kit.grpc.add(
        pb_grpc.add_ReviewWorkflowServiceServicer_to_server,
        ReviewWorkflowServicer(
            ReviewQueries(kit.db),
            DecideSubmission(kit.db, carry_out),
            DecideFirmApplication(kit.db, identity, carry_out),
        ),
        "jes.review_workflow.v1.ReviewWorkflowService",
    )
    kit.consume(
        [topic_of("photo-storage")],
        {
            photo_pb.PhotoSetSubmitted: PhotoSetSubmittedHandler(kit.outbox),
            photo_pb.PhotoSetChangedAfterPrint: PhotoSetChangedAfterPrintHandler(),
        },
    )
    # Decisions the request that recorded them did not finish, resumed after a restart too.
    kit.add_component(DecisionWorker(carry_out))
    return kit

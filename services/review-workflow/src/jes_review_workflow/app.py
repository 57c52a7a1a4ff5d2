"""Builds the review-workflow service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.identity.v1 import identity_pb2_grpc
from jes.photo_storage.v1 import photo_storage_pb2 as photo_pb
from jes.photo_storage.v1 import photo_storage_pb2_grpc
from jes.review_workflow.v1 import (
    appraisal_work_pb2_grpc,
    appraiser_applications_pb2_grpc,
    appraisers_pb2_grpc,
)
from jes.review_workflow.v1 import review_workflow_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_review_workflow.application_grpc import AppraiserApplicationServicer
from jes_review_workflow.appraisal.applications import BUCKET as APPLICATION_BUCKET
from jes_review_workflow.appraisal.applications import Applications
from jes_review_workflow.appraisal.assignments import Assignments
from jes_review_workflow.appraisal.committee import Committee
from jes_review_workflow.appraisal.log import RotationLog
from jes_review_workflow.appraisal.outcomes import AuctionOutcomes
from jes_review_workflow.appraisal.reports import BUCKET as REPORTS_BUCKET
from jes_review_workflow.appraisal.reports import AppraisalReports
from jes_review_workflow.appraisal.roster import Roster
from jes_review_workflow.appraisal.rules import AppraisalRules
from jes_review_workflow.appraisal.work import AppraisalWork
from jes_review_workflow.appraisal.work_queries import DeadlineReminders, WorkQueries
from jes_review_workflow.appraisal_work_grpc import AppraisalWorkServicer
from jes_review_workflow.appraiser_grpc import AppraiserServicer
from jes_review_workflow.carry_out import CarryOutDecisions
from jes_review_workflow.committee_grpc import AppraiserCommitteeServicer
from jes_review_workflow.decide_firm_application import DecideFirmApplication
from jes_review_workflow.decide_submission import DecideSubmission
from jes_review_workflow.grpc_api import ReviewWorkflowServicer
from jes_review_workflow.handlers import PhotoSetChangedAfterPrintHandler, PhotoSetSubmittedHandler
from jes_review_workflow.models import event_tables, metadata
from jes_review_workflow.queries import ReviewQueries
from jes_review_workflow.reminder_worker import ReminderWorker
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
    # A decision is carried out as review-workflow itself, with the decision grant identity
    # issued for the deciding clerk when it was recorded (grants.py): the same in the
    # clerk's request and in the worker, which has no user token at hand.
    photo_storage = kit.client("photo-storage", photo_storage_pb2_grpc.PhotoStorageServiceStub)
    identity = kit.client("identity", identity_pb2_grpc.IdentityServiceStub)
    carry_out = CarryOutDecisions(kit.db, kit.outbox, photo_storage, identity)
    kit.grpc.add(
        pb_grpc.add_ReviewWorkflowServiceServicer_to_server,
        ReviewWorkflowServicer(
            ReviewQueries(kit.db),
            DecideSubmission(kit.db, identity, carry_out),
            DecideFirmApplication(kit.db, identity, carry_out),
        ),
        "jes.review_workflow.v1.ReviewWorkflowService",
    )
    kit.grpc.add(
        appraisers_pb2_grpc.add_AppraiserServiceServicer_to_server,
        AppraiserServicer(
            AppraisalRules(kit.db, kit.outbox),
            Roster(kit.db, kit.outbox),
            Assignments(kit.db, kit.outbox),
            RotationLog(kit.db),
            AuctionOutcomes(kit.db, kit.outbox),
        ),
        "jes.review_workflow.v1.AppraiserService",
    )
    documents = kit.object_store()
    documents.ensure_bucket(APPLICATION_BUCKET)
    kit.grpc.add(
        appraiser_applications_pb2_grpc.add_AppraiserApplicationServiceServicer_to_server,
        AppraiserApplicationServicer(Applications(kit.db, kit.outbox, documents)),
        "jes.review_workflow.v1.AppraiserApplicationService",
    )
    kit.grpc.add(
        appraiser_applications_pb2_grpc.add_AppraiserCommitteeServiceServicer_to_server,
        AppraiserCommitteeServicer(Committee(kit.db, kit.outbox)),
        "jes.review_workflow.v1.AppraiserCommitteeService",
    )
    # Appraisal reports' PDFs (appraisal/reports.py) are kept in the object store.
    reports_store = kit.object_store()
    reports_store.ensure_bucket(REPORTS_BUCKET)
    kit.grpc.add(
        appraisal_work_pb2_grpc.add_AppraisalWorkServiceServicer_to_server,
        AppraisalWorkServicer(
            AppraisalWork(kit.db, kit.outbox),
            WorkQueries(kit.db),
            AppraisalReports(kit.db, kit.outbox, reports_store),
        ),
        "jes.review_workflow.v1.AppraisalWorkService",
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
    # Reminder e-mails before an appraiser's last days (notification mails them).
    kit.add_component(ReminderWorker(DeadlineReminders(kit.db, kit.outbox)))
    return kit

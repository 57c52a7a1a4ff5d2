"""The gRPC clients of the services the gateway calls (one per backend)."""

from __future__ import annotations

from dataclasses import dataclass

from jes.case_sync.v1 import case_sync_pb2_grpc
from jes.identity.v1 import certificates_pb2_grpc, identity_pb2_grpc
from jes.notification.v1 import notification_pb2_grpc
from jes.photo_storage.v1 import photo_storage_pb2_grpc
from jes.report_render.v1 import report_render_pb2_grpc
from jes.review_workflow.v1 import (
    appraisal_work_pb2_grpc,
    appraiser_applications_pb2_grpc,
    appraisers_pb2_grpc,
    review_workflow_pb2_grpc,
)
from jes_grpckit.client import Client
from jes_grpckit.tls import TlsIdentity


@dataclass
class Backends:
    identity: Client[identity_pb2_grpc.IdentityServiceStub]
    photos: Client[photo_storage_pb2_grpc.PhotoStorageServiceStub]
    reviews: Client[review_workflow_pb2_grpc.ReviewWorkflowServiceStub]
    cases: Client[case_sync_pb2_grpc.CaseSyncServiceStub]
    notification: Client[notification_pb2_grpc.NotificationServiceStub]
    certificates: Client[certificates_pb2_grpc.CertificateServiceStub]
    # printable forms only (the gateway calls it as itself); photo reports go through
    # photo-storage
    render: Client[report_render_pb2_grpc.ReportRenderServiceStub]
    # review-workflow's appraiser commissioning (another service on the same server)
    appraisers: Client[appraisers_pb2_grpc.AppraiserServiceStub]
    # ... its appraiser applications and the qualification committee
    appraiser_applications: Client[appraiser_applications_pb2_grpc.AppraiserApplicationServiceStub]
    committee: Client[appraiser_applications_pb2_grpc.AppraiserCommitteeServiceStub]
    # an assigned appraiser's work rows (the same server again)
    appraisal_work: Client[appraisal_work_pb2_grpc.AppraisalWorkServiceStub]

    @classmethod
    def connect(cls, addrs: dict[str, str], tls: TlsIdentity) -> Backends:
        """Every call presents the gateway's certificate; a person's token rides along
        (`as_caller`), and without one the gateway calls for an anonymous visitor."""
        return cls(
            identity=Client(addrs["identity"], identity_pb2_grpc.IdentityServiceStub, tls=tls),
            photos=Client(
                addrs["photo-storage"],
                photo_storage_pb2_grpc.PhotoStorageServiceStub,
                tls=tls,
                timeout=60,
            ),
            reviews=Client(
                addrs["review-workflow"],
                review_workflow_pb2_grpc.ReviewWorkflowServiceStub,
                tls=tls,
            ),
            cases=Client(addrs["case-sync"], case_sync_pb2_grpc.CaseSyncServiceStub, tls=tls),
            notification=Client(
                addrs["notification"], notification_pb2_grpc.NotificationServiceStub, tls=tls
            ),
            certificates=Client(
                addrs["identity"], certificates_pb2_grpc.CertificateServiceStub, tls=tls
            ),
            render=Client(
                addrs["report-render"],
                report_render_pb2_grpc.ReportRenderServiceStub,
                tls=tls,
                timeout=60,
            ),
            appraisers=Client(
                addrs["review-workflow"], appraisers_pb2_grpc.AppraiserServiceStub, tls=tls
            ),
            appraiser_applications=Client(
                addrs["review-workflow"],
                appraiser_applications_pb2_grpc.AppraiserApplicationServiceStub,
                tls=tls,
                timeout=60,
            ),
            committee=Client(
                addrs["review-workflow"],
                appraiser_applications_pb2_grpc.AppraiserCommitteeServiceStub,
                tls=tls,
            ),
            appraisal_work=Client(
                addrs["review-workflow"],
                appraisal_work_pb2_grpc.AppraisalWorkServiceStub,
                tls=tls,
            ),
        )

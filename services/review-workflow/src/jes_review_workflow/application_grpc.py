"""AppraiserApplicationService over gRPC: parses each request, calls its use case. The
rules are in domain/appraisal, the transactions in appraisal/."""

from __future__ import annotations

import grpc

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraiser_applications_pb2_grpc as pb_grpc
from jes_grpckit import current_claims
from jes_review_workflow.appraisal.applications import Applications


class AppraiserApplicationServicer(pb_grpc.AppraiserApplicationServiceServicer):
    def __init__(self, applications: Applications):
        self.applications = applications

    def StartAppraiserApplication(
        self, request: pb.StartAppraiserApplicationRequest, context: grpc.ServicerContext
    ) -> pb.AppraiserApplication:
        return self.applications.start(
            current_claims(),
            request.court_code,
            request.applicant_type,
            request.name,
            request.registration_number,
            request.business_since,
            request.office.address,
            request.office.phone,
            [(s.name, s.id_number) for s in request.staff],
        )

    def UploadApplicationDocument(
        self, request: pb.UploadApplicationDocumentRequest, context: grpc.ServicerContext
    ) -> pb.AppraiserApplication:
        return self.applications.upload(
            current_claims(),
            request.application_id,
            request.item,
            request.file_name,
            request.content,
        )

    def SubmitAppraiserApplication(
        self, request: pb.SubmitAppraiserApplicationRequest, context: grpc.ServicerContext
    ) -> pb.AppraiserApplication:
        return self.applications.submit(current_claims(), request.application_id)

    def GetAppraiserApplication(
        self, request: pb.GetAppraiserApplicationRequest, context: grpc.ServicerContext
    ) -> pb.AppraiserApplication:
        return self.applications.get(current_claims(), request.application_id)

    def ListAppraiserApplications(
        self, request: pb.ListAppraiserApplicationsRequest, context: grpc.ServicerContext
    ) -> pb.ListAppraiserApplicationsResponse:
        found = self.applications.list(current_claims(), request.court_code)
        return pb.ListAppraiserApplicationsResponse(applications=found)

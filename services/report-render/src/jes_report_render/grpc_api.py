"""ReportRenderService over gRPC: renders PDFs and keeps them in the reports bucket.
Checks the caller, calls the use case, returns its result; the rules are in domain/."""

from __future__ import annotations

import grpc

from jes.report_render.v1 import report_render_pb2 as pb
from jes.report_render.v1 import report_render_pb2_grpc as pb_grpc
from jes_grpckit import current_claims
from jes_report_render.domain import access
from jes_report_render.render_application_form import RenderApplicationForm
from jes_report_render.render_photo_report import RenderPhotoReport
from jes_report_render.render_table_report import RenderTableReport
from jes_report_render.report_urls import ReportUrls


class ReportRenderServicer(pb_grpc.ReportRenderServiceServicer):
    def __init__(
        self,
        render_photo_report: RenderPhotoReport,
        report_urls: ReportUrls,
        render_application_form: RenderApplicationForm | None = None,
        render_table_report: RenderTableReport | None = None,
    ):
        self.render_photo_report = render_photo_report
        self.report_urls = report_urls
        self.render_application_form = render_application_form or RenderApplicationForm()
        self.render_table_report = render_table_report or RenderTableReport()

    def RenderPhotoReport(
        self, request: pb.RenderPhotoReportRequest, context: grpc.ServicerContext
    ) -> pb.Report:
        access.require_renderer(current_claims())
        return self.render_photo_report(request)

    def GetReportUrl(
        self, request: pb.GetReportUrlRequest, context: grpc.ServicerContext
    ) -> pb.GetReportUrlResponse:
        claims = current_claims()
        access.require_reader(claims)
        return pb.GetReportUrlResponse(url=self.report_urls(request.report_id, claims))

    def RenderApplicationForm(
        self, request: pb.RenderApplicationFormRequest, context: grpc.ServicerContext
    ) -> pb.RenderedDocument:
        access.require_form_renderer(current_claims())
        return self.render_application_form(request)

    def RenderTableReport(
        self, request: pb.RenderTableReportRequest, context: grpc.ServicerContext
    ) -> pb.RenderedDocument:
        access.require_form_renderer(current_claims())
        return self.render_table_report(request)

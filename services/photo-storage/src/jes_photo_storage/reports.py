"""Report-render as photo-storage calls it: render a set's photo report, and the URLs of
reports already rendered."""

from __future__ import annotations

import logging

import grpc

from jes.report_render.v1 import report_render_pb2 as render_pb
from jes.report_render.v1 import report_render_pb2_grpc as render_grpc
from jes_grpckit import Client

log = logging.getLogger("jes.photo_storage")

RENDER_TIMEOUT_SECONDS = 120


class Reports:
    """Calls report-render as photo-storage itself (its certificate): rendering and
    report URLs are photo-storage's own work, done after it checked the person's access."""

    def __init__(self, client: Client[render_grpc.ReportRenderServiceStub]):
        self.client = client

    def render(self, request: render_pb.RenderPhotoReportRequest) -> render_pb.Report:
        return self.client.stub.RenderPhotoReport(request)

    def urls(self, report_ids: list[str]) -> dict[str, str]:
        """Presigned report URLs; a failure leaves them empty, since the print itself (or
        the list of prints) stands without them."""
        urls = {}
        try:
            for report_id in report_ids:
                reply = self.client.stub.GetReportUrl(
                    render_pb.GetReportUrlRequest(report_id=report_id)
                )
                urls[report_id] = reply.url
        except grpc.RpcError as exc:
            log.warning("no report URL from report-render: %s", exc.code())
        return urls

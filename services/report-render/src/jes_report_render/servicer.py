"""ReportRenderService: renders PDFs and keeps them in the reports bucket."""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Histogram

from jes.report_render.v1 import report_render_pb2 as pb
from jes.report_render.v1 import report_render_pb2_grpc as pb_grpc
from jes_db import Database, new_id, utcnow
from jes_events import Outbox
from jes_grpckit import InvalidArgument, NotFound, Unavailable, current_claims, request_id_var
from jes_report_render import images
from jes_report_render.layout import Caption
from jes_report_render.models import Report
from jes_report_render.pdf import (
    ReportHeader,
    ReportPhotoSource,
    render_photo_report,
    roc_date,
    temporary_folder,
)

log = logging.getLogger("jes.report_render")

BUCKET = "reports"

PDFS_RENDERED = Counter("jes_pdfs_rendered_total", "PDF documents rendered", ["kind"])
PDF_RENDER_SECONDS = Histogram(
    "jes_pdf_render_duration_seconds",
    "Time to render one PDF",
    ["kind"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)


def report_message(report: Report) -> pb.Report:
    return pb.Report(
        id=report.id,
        object_key=report.object_key,
        pages=report.pages,
        size_bytes=report.size_bytes,
        sha256=report.sha256,
    )


def photo_sources(
    request: pb.RenderPhotoReportRequest, fetcher: images.Fetcher
) -> list[ReportPhotoSource]:
    return [
        ReportPhotoSource(
            caption=Caption(
                sequence=photo.sequence,
                placement=photo.placement,
                orientation=photo.orientation,
                auction_target=photo.auction_target,
                description=photo.description,
                remark=photo.remark,
            ),
            load=functools.partial(fetcher.fetch, photo.image_url),
        )
        for photo in request.photos
    ]


class ReportRenderServicer(pb_grpc.ReportRenderServiceServicer):
    def __init__(self, db: Database, outbox: Outbox, store: Any):
        self.db = db
        self.outbox = outbox
        self.store = store

    def RenderPhotoReport(self, request: pb.RenderPhotoReportRequest, context: object) -> object:
        current_claims().require_role("admin")  # services only (admins for re-renders)
        if not request.photos:
            raise InvalidArgument("沒有照片可列印", fields={"photos": "至少需要一張照片"})
        started = time.perf_counter()
        header = ReportHeader(
            court_name=request.court_name,
            division=request.division,
            case_number=request.case_number,
            batch=request.batch,
            firm_name=request.firm_name,
            printed_on=roc_date(utcnow()),
            fingerprint=request.fingerprint,
            set_version=request.set_version,
            printed_by=request.printed_by,
        )
        try:
            with temporary_folder() as work, closing(images.Fetcher()) as fetcher:
                sources = photo_sources(request, fetcher)
                rendered = render_photo_report(header, sources, Path(work))
        except images.PhotoUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        except images.ImageError as exc:
            raise InvalidArgument(str(exc)) from exc
        # Every print is kept: a new object and row per render, never overwritten.
        report = self._store("photo_report", request.photo_set_id, rendered.pdf, rendered.pages)
        PDFS_RENDERED.labels("photo_report").inc()
        PDF_RENDER_SECONDS.labels("photo_report").observe(time.perf_counter() - started)
        return report

    def _store(self, kind: str, subject_id: str, pdf: bytes, pages: int) -> pb.Report:
        report_id = new_id()
        key = f"{kind}/{subject_id}/{report_id}.pdf"
        self.store.put(BUCKET, key, pdf, "application/pdf")
        try:
            with self.db.transaction() as session:
                report = Report(
                    id=report_id,
                    kind=kind,
                    subject_id=subject_id,
                    object_key=key,
                    pages=pages,
                    size_bytes=len(pdf),
                    sha256=hashlib.sha256(pdf).hexdigest(),
                )
                session.add(report)
                message = report_message(report)
                self.outbox.add(
                    session,
                    pb.ReportRendered(report=message, kind=kind, subject_id=subject_id),
                    subject=report_id,
                    trace_id=request_id_var.get(),
                )
        except BaseException:
            self.store.delete(BUCKET, key)  # no orphan object when the row is not written
            raise
        log.info("rendered %s %s: %d pages", kind, report_id, message.pages)
        return message

    def GetReportUrl(self, request: pb.GetReportUrlRequest, context: object) -> object:
        claims = current_claims()
        claims.require_role("admin", "clerk", "firm")
        with self.db.transaction() as session:
            report = session.get(Report, request.report_id)
            if report is None:
                raise NotFound("找不到報告")
            url = self.store.presigned_get(BUCKET, report.object_key, timedelta(minutes=10))
        return pb.GetReportUrlResponse(url=url)

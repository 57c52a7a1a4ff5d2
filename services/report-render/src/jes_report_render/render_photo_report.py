"""Rendering a photo report: the PDF is rendered, put in the object store, and recorded
with its event (ReportRendered) in one transaction; when the row cannot be written the
object is removed again, so no orphan is left."""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Histogram

from jes.report_render.v1 import report_render_pb2 as pb
from jes_db import Database, new_id, utcnow
from jes_domain import InvalidArgument, Unavailable
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_report_render import images
from jes_report_render.domain.access import Owner
from jes_report_render.domain.layout import Caption
from jes_report_render.domain.reports import (
    BUCKET,
    ReportKind,
    download_name,
    object_key,
    require_photos,
)
from jes_report_render.models import Report
from jes_report_render.pdf import (
    ReportHeader,
    ReportPhotoSource,
    render_photo_report,
    roc_date,
    temporary_folder,
)

log = logging.getLogger("jes.report_render")

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
    photos: Sequence[pb.ReportPhoto], reader: images.PhotoReader
) -> list[ReportPhotoSource]:
    """Each photo's loader: its bytes as handed over, or read by key from the object
    store; never a URL."""

    def loader(photo: pb.ReportPhoto) -> Callable[[], bytes]:
        if photo.WhichOneof("picture") == "image":
            return functools.partial(images.checked_size, photo.image)
        return functools.partial(reader.read, photo.image_key)

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
            load=loader(photo),
        )
        for photo in photos
    ]


class RenderPhotoReport:
    def __init__(self, db: Database, outbox: Outbox, store: Any):
        self.db = db
        self.outbox = outbox
        self.store = store

    def __call__(self, request: pb.RenderPhotoReportRequest) -> pb.Report:
        require_photos(
            len(request.photos),
            without_picture=sum(1 for p in request.photos if p.WhichOneof("picture") is None),
        )
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
            print_number=request.print_number,
        )
        try:
            with temporary_folder() as work:
                sources = photo_sources(request.photos, images.PhotoReader(self.store))
                rendered = render_photo_report(header, sources, Path(work))
        except images.PhotoUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        except images.ImageError as exc:
            raise InvalidArgument(str(exc)) from exc
        kind = ReportKind.PHOTO_REPORT
        name = download_name(
            request.case_number, request.batch, request.set_version, request.print_number
        )
        owner = Owner(request.owner_account_id, request.court_code)
        report = self._store(kind, request.photo_set_id, rendered.pdf, rendered.pages, name, owner)
        PDFS_RENDERED.labels(kind.value).inc()
        PDF_RENDER_SECONDS.labels(kind.value).observe(time.perf_counter() - started)
        return report

    def _store(
        self, kind: ReportKind, subject_id: str, pdf: bytes, pages: int, name: str, owner: Owner
    ) -> pb.Report:
        report_id = new_id()
        key = object_key(kind, subject_id, report_id)
        self.store.put(BUCKET, key, pdf, "application/pdf")
        try:
            with self.db.transaction() as session:
                report = Report(
                    id=report_id,
                    kind=kind.value,
                    subject_id=subject_id,
                    object_key=key,
                    pages=pages,
                    size_bytes=len(pdf),
                    sha256=hashlib.sha256(pdf).hexdigest(),
                    download_name=name,
                    owner_account_id=owner.account_id,
                    court_code=owner.court_code,
                )
                session.add(report)
                message = report_message(report)
                self.outbox.add(
                    session,
                    pb.ReportRendered(report=message, kind=kind.value, subject_id=subject_id),
                    subject=report_id,
                    trace_id=request_id_var.get(),
                )
        except BaseException:
            self.store.delete(BUCKET, key)  # no orphan object when the row is not written
            raise
        log.info("rendered %s %s: %d pages", kind.value, report_id, message.pages)
        return message

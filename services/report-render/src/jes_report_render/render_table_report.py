"""Rendering a printable table: laid out from the title, columns and rows given, returned
in the reply and kept nowhere (the caller keeps the data it comes from)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from jes.report_render.v1 import report_render_pb2 as pb
from jes_db import utcnow
from jes_report_render.domain.tables import validate_table
from jes_report_render.pdf import (
    PDF_RENDER_SECONDS,
    PDFS_RENDERED,
    render_document,
    roc_date,
    temporary_folder,
)

KIND = "table_report"


class RenderTableReport:
    def __call__(self, request: pb.RenderTableReportRequest) -> pb.RenderedDocument:
        table = validate_table(
            request.title,
            list(request.subtitles),
            list(request.columns),
            [list(row.cells) for row in request.rows],
            list(request.notes),
        )
        started = time.perf_counter()
        with temporary_folder() as work:
            rendered = render_document(
                "table_report.html", Path(work), table=table, printed_on=roc_date(utcnow())
            )
        PDFS_RENDERED.labels(KIND).inc()
        PDF_RENDER_SECONDS.labels(KIND).observe(time.perf_counter() - started)
        return pb.RenderedDocument(
            pdf=rendered.pdf, pages=rendered.pages, sha256=hashlib.sha256(rendered.pdf).hexdigest()
        )

"""Rendering a printable application form: laid out from the labelled lines the caller
gives, returned in the reply and kept nowhere (it holds the applicant's personal data)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from jes.report_render.v1 import report_render_pb2 as pb
from jes_db import utcnow
from jes_report_render.domain.forms import validate_form
from jes_report_render.pdf import (
    PDF_RENDER_SECONDS,
    PDFS_RENDERED,
    render_document,
    roc_date,
    temporary_folder,
)

KIND = "application_form"


class RenderApplicationForm:
    def __call__(self, request: pb.RenderApplicationFormRequest) -> pb.RenderedDocument:
        form = validate_form(
            request.title,
            request.reference,
            request.applied_on,
            [(line.label, line.value) for line in request.lines],
            list(request.notes),
            list(request.signatures),
        )
        started = time.perf_counter()
        with temporary_folder() as work:
            rendered = render_document(
                "application_form.html", Path(work), form=form, printed_on=roc_date(utcnow())
            )
        PDFS_RENDERED.labels(KIND).inc()
        PDF_RENDER_SECONDS.labels(KIND).observe(time.perf_counter() - started)
        return pb.RenderedDocument(
            pdf=rendered.pdf, pages=rendered.pages, sha256=hashlib.sha256(rendered.pdf).hexdigest()
        )

"""Builds the report-render service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.report_render.v1 import report_render_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_report_render.domain.reports import BUCKET
from jes_report_render.grpc_api import ReportRenderServicer
from jes_report_render.models import event_tables, metadata
from jes_report_render.pdf import wkhtmltopdf_path
from jes_report_render.render_photo_report import RenderPhotoReport
from jes_report_render.report_urls import ReportUrls
from jes_servicekit import ServiceKit

NAME = "report-render"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: Any) -> ServiceKit:
    wkhtmltopdf_path()  # fail at start, not at the first print
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,
    )
    store = kit.object_store()
    store.ensure_bucket(BUCKET)
    kit.grpc.add(
        pb_grpc.add_ReportRenderServiceServicer_to_server,
        ReportRenderServicer(
            RenderPhotoReport(kit.db, kit.outbox, store), ReportUrls(kit.db, store)
        ),
        "jes.report_render.v1.ReportRenderService",
    )
    return kit

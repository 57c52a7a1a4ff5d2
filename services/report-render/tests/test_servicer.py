"""ReportRenderService through a real gRPC server, called as photo-storage calls it."""

from __future__ import annotations

import hashlib
import io

import grpc
import pytest
from pypdf import PdfReader

from jes.report_render.v1 import report_render_pb2 as pb
from jes_grpckit import field_violations
from jes_report_render import servicer as servicer_module
from support.images import jpeg


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def render_request(service, photos: int = 1, **overrides) -> pb.RenderPhotoReportRequest:
    fields = {
        "photo_set_id": "set-1",
        "court_name": "臺灣臺北地方法院",
        "division": "甲",
        "case_number": "107年度司執字第999號",
        "batch": 1,
        "firm_name": "大華估價",
        "fingerprint": "0123456789abcdef" + "0" * 48,
        "photos": [
            pb.ReportPhoto(
                sequence=n,
                placement="室外",
                auction_target="建地",
                description=f"第 {n} 張",
                image_url=service.images.url(f"/photo-{n}.jpg", jpeg(800, 600)),
            )
            for n in range(1, photos + 1)
        ],
    }
    fields.update(overrides)
    return pb.RenderPhotoReportRequest(**fields)


def test_rendered_report_is_stored_recorded_and_announced(service):
    report = service.photo_storage().call("RenderPhotoReport", render_request(service))
    assert report.pages == 1
    assert report.object_key == f"photo_report/set-1/{report.id}.pdf"
    assert service.stored_reports() == [report.object_key]
    pdf = (service.objects / "reports" / report.object_key).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert report.size_bytes == len(pdf)
    assert report.sha256 == hashlib.sha256(pdf).hexdigest()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    [(envelope, event)] = service.events(pb.ReportRendered)
    assert envelope.subject == report.id
    assert (event.kind, event.subject_id) == ("photo_report", "set-1")
    assert event.report == report


def test_no_photos_is_invalid_argument(service):
    error = rpc_error(
        service.photo_storage().call, "RenderPhotoReport", render_request(service, photos=0)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"photos": "至少需要一張照片"}
    assert service.stored_reports() == []


def test_too_large_image_is_refused(service, monkeypatch):
    monkeypatch.setattr(servicer_module, "MAX_IMAGE_BYTES", 1000)
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "報告圖片過大"
    assert service.stored_reports() == []


@pytest.mark.parametrize("roles", [["firm"], ["clerk"]])
def test_only_services_and_admins_render(service, roles):
    client = service.client(service.issuer.issue("u", roles=roles, court_code="TPD"))
    error = rpc_error(client.call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_report_is_not_kept_when_its_row_cannot_be_written(service, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(service.kit.outbox, "add", refuse)
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert service.stored_reports() == []


# -- GetReportUrl ---------------------------------------------------------------------------


def test_report_url_is_a_signed_link_for_firms_clerks_and_admins(service):
    report = service.photo_storage().call("RenderPhotoReport", render_request(service))
    for role in ("firm", "clerk", "admin"):
        client = service.client(service.issuer.issue("u", roles=[role], court_code="TPD"))
        reply = client.call("GetReportUrl", pb.GetReportUrlRequest(report_id=report.id))
        assert reply.url.startswith(
            f"https://jes.example.gov.tw/objects/reports/photo_report/set-1/{report.id}.pdf?"
        )
        assert "sig=" in reply.url and "exp=" in reply.url


def test_report_url_of_an_unknown_report_is_not_found(service):
    client = service.client(service.issuer.issue("u", roles=["clerk"], court_code="TPD"))
    error = rpc_error(client.call, "GetReportUrl", pb.GetReportUrlRequest(report_id="nope"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_report_url_needs_a_role(service):
    client = service.client(service.issuer.issue("u", roles=[]))
    error = rpc_error(client.call, "GetReportUrl", pb.GetReportUrlRequest(report_id="nope"))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED

"""ReportRenderService through a real gRPC server, called as photo-storage calls it."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import grpc
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from jes.report_render.v1 import report_render_pb2 as pb
from jes_grpckit import field_violations
from jes_report_render import images as images_module
from jes_report_render.models import Report
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
        "owner_account_id": "firm-1",
        "court_code": "TPD",
        "photos": [
            pb.ReportPhoto(
                sequence=n,
                placement="室外",
                auction_target="建地",
                description=f"第 {n} 張",
                image_key=service.photo(f"set-1/report/photo-{n}.jpg", jpeg(800, 600)),
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
    monkeypatch.setattr(images_module, "MAX_IMAGE_BYTES", 1000)
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "報告圖片過大"
    assert service.stored_reports() == []


@pytest.mark.parametrize("roles", [["firm"], ["clerk"], ["admin"]])
def test_only_photo_storage_renders(service, roles):
    client = service.client(service.issuer.issue("u", roles=roles, court_code="TPD"))
    error = rpc_error(client.call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    for module in ("gateway", "review-workflow"):
        error = rpc_error(
            service.client(None, caller=module).call, "RenderPhotoReport", render_request(service)
        )
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert service.stored_reports() == []


def test_report_is_not_kept_when_its_row_cannot_be_written(service, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(service.kit.outbox, "add", refuse)
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert service.stored_reports() == []


# -- GetReportUrl ---------------------------------------------------------------------------


def test_report_url_is_a_signed_link_for_photo_storage(service):
    """photo-storage hands report links to those who may read the set; nobody asks
    report-render directly (it does not know who owns a set)."""
    report = service.photo_storage().call("RenderPhotoReport", render_request(service))
    reply = service.photo_storage().call(
        "GetReportUrl", pb.GetReportUrlRequest(report_id=report.id)
    )
    assert reply.url.startswith(
        f"https://jes.example.gov.tw/objects/reports/photo_report/set-1/{report.id}.pdf?"
    )
    assert "sig=" in reply.url and "exp=" in reply.url
    for role in ("firm", "clerk", "admin"):
        client = service.client(service.issuer.issue("u", roles=[role], court_code="TPD"))
        error = rpc_error(client.call, "GetReportUrl", pb.GetReportUrlRequest(report_id=report.id))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("print_number", "name"),
    [
        (3, "107年度司執字第999號_批次2_第3次列印.pdf"),  # as the footer says
        (0, "107年度司執字第999號_批次2_版本7.pdf"),  # a caller that gives no count
    ],
)
def test_report_url_names_the_download_after_the_case_and_print(service, print_number, name):
    request = render_request(service, batch=2, set_version=7)
    request.print_number = print_number
    report = service.photo_storage().call("RenderPhotoReport", request)
    reply = service.photo_storage().call(
        "GetReportUrl", pb.GetReportUrlRequest(report_id=report.id)
    )
    query = parse_qs(urlparse(reply.url).query)
    assert query["name"] == [name]


@pytest.mark.parametrize(
    ("subject", "roles", "court"),
    [
        ("firm-2", ["firm"], "TPD"),  # another firm of the same court
        ("firm-3", ["firm"], "KLD"),
        ("kld-clerk", ["clerk"], "KLD"),  # a clerk of another court
        ("firm-1", ["clerk"], "KSD"),
    ],
)
def test_report_url_of_another_firm_or_court_is_not_found(service, subject, roles, court):
    report = service.photo_storage().call("RenderPhotoReport", render_request(service))
    client = service.client(service.issuer.issue(subject, roles=roles, court_code=court))
    error = rpc_error(client.call, "GetReportUrl", pb.GetReportUrlRequest(report_id=report.id))
    # refused by the contract (only photo-storage calls report-render), and were a
    # person's token to get through, by the owner check (test_domain: NOT_FOUND)
    assert error.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)


def test_report_url_for_photo_storage(service):
    """photo-storage hands the links out after its own check of the set's owner."""
    report = service.photo_storage().call("RenderPhotoReport", render_request(service))
    reply = service.photo_storage().call(
        "GetReportUrl", pb.GetReportUrlRequest(report_id=report.id)
    )
    assert f"/objects/reports/photo_report/set-1/{report.id}.pdf?" in reply.url


def test_report_url_of_an_unknown_report_is_not_found(service):
    client = service.photo_storage()
    error = rpc_error(client.call, "GetReportUrl", pb.GetReportUrlRequest(report_id="nope"))
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_report_url_needs_a_role(service):
    client = service.client(service.issuer.issue("u", roles=[]))
    error = rpc_error(client.call, "GetReportUrl", pb.GetReportUrlRequest(report_id="nope"))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


# -- what is printed, and every print kept ---------------------------------------------------


def pdf_text(service, report) -> str:
    pdf = service.objects / "reports" / report.object_key
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    return "".join(out.stdout.split())  # spaces and line breaks are layout; nothing else


def test_the_report_shows_the_set_version_fingerprint_and_who_printed(service):
    request = render_request(service, photos=3, set_version=4, printed_by="DEMOFIRM")
    request.photos[0].orientation = "直立"
    report = service.photo_storage().call("RenderPhotoReport", request)
    assert report.pages == 2
    text = pdf_text(service, report)
    assert text.count(f"版本指紋{request.fingerprint}版本4列印帳號DEMOFIRM") == 2
    assert text.count("臺灣臺北地方法院民事執行處") == 2
    assert "第1頁/共2頁" in text and "第2頁/共2頁" in text
    # printed on today's date (Taipei), in the ROC calendar
    assert re.search(r"列印日期民國\d{3}年\d{1,2}月\d{1,2}日", text)
    assert "序號1室內/室外室外方向直立" in text
    assert "序號2室內/室外室外方向橫向" in text  # not given: as the picture is
    for n in (1, 2, 3):
        assert f"拍賣標的建地說明第{n}張" in text


def test_every_print_is_kept(service):
    client = service.photo_storage()
    first = client.call("RenderPhotoReport", render_request(service))
    second = client.call("RenderPhotoReport", render_request(service))
    assert first.id != second.id
    assert service.stored_reports() == sorted([first.object_key, second.object_key])
    with service.kit.db.transaction() as session:
        rows = session.scalars(select(Report).where(Report.subject_id == "set-1")).all()
        assert sorted(r.id for r in rows) == sorted([first.id, second.id])
    assert [event.report.id for _, event in service.events(pb.ReportRendered)] == [
        first.id,
        second.id,
    ]


def test_a_photo_not_in_the_store_is_invalid_argument(service):
    request = render_request(service, photos=2)
    request.photos[1].image_key = "set-1/report/gone.jpg"
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "找不到報告圖片"
    assert service.stored_reports() == []


def test_a_store_that_is_away_is_unavailable(service, monkeypatch):
    def away(self, bucket, key):
        raise ConnectionError("object store away")

    monkeypatch.setattr(type(service.kit.object_store()), "get", away)
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", render_request(service))
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert service.stored_reports() == []


def test_a_file_that_is_no_image_is_invalid_argument(service):
    request = render_request(service)
    request.photos[0].image_key = service.photo("set-1/report/broken.jpg", b"not a picture")
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "無法讀取報告圖片"
    assert service.stored_reports() == []


def test_a_photo_handed_over_as_bytes_is_rendered(service):
    request = render_request(service, photos=2)
    request.photos[1].image = jpeg(600, 800)
    report = service.photo_storage().call("RenderPhotoReport", request)
    assert report.pages == 1


def test_a_photo_without_picture_is_invalid_argument(service):
    request = render_request(service)
    request.photos[0].ClearField("picture")
    error = rpc_error(service.photo_storage().call, "RenderPhotoReport", request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "photos" in field_violations(error)


def test_urls_and_paths_handed_over_are_never_fetched_or_read(service, tmp_path):
    """A key is a name in the `photos` bucket: an http URL to a listener, a file:// URL
    or a path out of the bucket makes no connection and reads nothing."""
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(jpeg(800, 600))
    listener = service.images.url("/bait.jpg", jpeg(800, 600))
    for key in (
        listener,
        f"file://{secret}",
        str(secret),
        "../../secret.jpg",
        "set-1/../../../secret.jpg",
    ):
        request = render_request(service)
        request.photos[0].image_key = key
        error = rpc_error(service.photo_storage().call, "RenderPhotoReport", request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, key
    caption = render_request(service)
    caption.photos[0].description = f'<img src="{listener}"><iframe src="file://{secret}">'
    report = service.photo_storage().call("RenderPhotoReport", caption)
    assert "<imgsrc=" in pdf_text(service, report)  # printed as text, not loaded
    assert service.images.requested == []
    assert service.stored_reports() == [report.object_key]


def test_two_renders_at_once_keep_to_their_own_files(service, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    requests = [
        render_request(service, photos=6, photo_set_id="set-a", firm_name="甲事務所"),
        render_request(service, photos=6, photo_set_id="set-b", firm_name="乙事務所"),
    ]
    # each set its own pictures, under the same names the other set's have on disk
    for request, colour in zip(requests, [(200, 0, 0), (0, 0, 200)], strict=True):
        for photo in request.photos:
            key = f"{request.photo_set_id}/report/{photo.sequence}.jpg"
            photo.image_key = service.photo(key, jpeg(800, 600, color=colour))
    with ThreadPoolExecutor(2) as pool:
        reports = list(
            pool.map(lambda r: service.photo_storage().call("RenderPhotoReport", r), requests)
        )
    texts = [pdf_text(service, report) for report in reports]
    assert "甲事務所" in texts[0] and "乙事務所" not in texts[0]
    assert "乙事務所" in texts[1] and "甲事務所" not in texts[1]
    for report, colour in zip(reports, [(200, 0, 0), (0, 0, 200)], strict=True):
        assert report.pages == 3
        pdf = PdfReader(service.objects / "reports" / report.object_key)
        for page in pdf.pages:
            for image in page.images:
                mean = image.image.convert("RGB").resize((1, 1)).getpixel((0, 0))
                assert all(abs(a - b) < 60 for a, b in zip(mean, colour, strict=True))
    assert list(scratch.iterdir()) == []  # both temporary folders are gone


def test_the_footer_says_which_print_this_is_instead_of_a_version(service):
    """Issue 13 finding 4: "版本 17" means nothing to the firm; 第 3 次列印 does."""
    request = render_request(service, photos=1, set_version=17, print_number=3)
    request.printed_by = "DEMOFIRM"
    report = service.photo_storage().call("RenderPhotoReport", request)
    text = pdf_text(service, report)
    assert f"版本指紋{request.fingerprint}第3次列印列印帳號DEMOFIRM" in text
    assert "版本17" not in text

"""The printable application form (seed 001's 聲請單): rendered from the labelled lines
given, returned in the reply and kept nowhere; its text layer gives back exactly the zh-TW
text written (pdftotext), with the CJK fonts embedded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grpc
import pytest

from jes.report_render.v1 import report_render_pb2 as pb
from jes_report_render import pdf

LINES = [
    ("聲請人身分別", "事務所管理人"),
    ("聲請人姓名", "方大同"),
    ("身分證字號", "A223456781"),
    ("出生年月日", "民國 61年 12月18日"),
    ("事務所名稱", "方正聯合法律事務所（臺灣臺北地方法院前）"),
    ("通訊地址", "臺北市中正區重慶南路一段124號"),
    ("行動電話", ""),
]
NOTES = ["本聲請表請以 A4 紙列印，經聲請人簽名或蓋章後寄送司法院資訊處審核。"]


def request(**changes) -> pb.RenderApplicationFormRequest:
    values = {
        "title": "司法院電子化服務聲請單",
        "reference": "pro-0001",
        "applied_on": "民國 115年 11月30日",
        "lines": [pb.FormLine(label=label, value=value) for label, value in LINES],
        "notes": NOTES,
        "signatures": ["聲請人簽名或蓋章"],
    }
    values.update(changes)
    return pb.RenderApplicationFormRequest(**values)


def rpc_error(call, *args) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args)
    return caught.value


def norm(text: str) -> str:
    """Without whitespace only: where pdftotext breaks lines is layout, not content."""
    return "".join(text.split())


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_gateway_gets_the_form_as_a_searchable_pdf_kept_nowhere(service, tmp_path):
    reply = service.client(None, caller="gateway").call("RenderApplicationForm", request())
    assert reply.pdf.startswith(b"%PDF-")
    assert reply.pages == 1
    text = norm(pdftotext(reply.pdf, tmp_path))
    assert "司法院電子化服務聲請單" in text
    assert "聲請編號：pro-0001" in text
    assert "聲請日期：民國115年11月30日" in text
    for label, value in LINES:
        assert norm(label + (value or "（未填）")) in text
    assert norm(NOTES[0]) in text
    assert "聲請人簽名或蓋章" in text
    # 方 and 地方 read as the ideograph, not the radical ⽅ (U+2F45) Qt maps the glyph to
    assert "\u2f45" not in text
    path = tmp_path / "fonts.pdf"
    path.write_bytes(reply.pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    cjk = [line.split() for line in fonts.stdout.splitlines()[2:] if "CJK" in line]
    assert cjk and all(columns[-5] == "yes" for columns in cjk), fonts.stdout
    assert service.stored_reports() == []  # personal data: returned, not kept


def test_markup_in_a_value_is_printed_as_text(service, tmp_path):
    lines = [pb.FormLine(label="事務所名稱", value='<b>A&B</b> "法律" 事務所')]
    reply = service.client(None, caller="gateway").call(
        "RenderApplicationForm", request(lines=lines)
    )
    assert norm('<b>A&B</b>"法律"事務所') in norm(pdftotext(reply.pdf, tmp_path))


def test_an_empty_form_is_refused_in_zh_tw(service):
    error = rpc_error(
        service.client(None, caller="gateway").call,
        "RenderApplicationForm",
        pb.RenderApplicationFormRequest(),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "聲請表資料有誤，無法列印"


@pytest.mark.parametrize("roles", [["admin"], ["professional"]])
def test_only_the_gateway_as_itself_renders_forms(service, roles):
    person = service.client(service.issuer.issue("u", roles=roles))
    assert rpc_error(person.call, "RenderApplicationForm", request()).code() == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    photo_storage = service.client(None, caller="photo-storage")
    assert rpc_error(photo_storage.call, "RenderApplicationForm", request()).code() == (
        grpc.StatusCode.PERMISSION_DENIED
    )


def test_a_hung_renderer_is_run_again_and_the_form_still_comes(
    service, tmp_path, hanging_wkhtmltopdf, monkeypatch
):
    monkeypatch.setattr(pdf, "WKHTMLTOPDF_BASE_SECONDS", 1.0)  # a run's limit: ~1 s
    stand_in = hanging_wkhtmltopdf(hangs=1)
    reply = service.client(None, caller="gateway").call("RenderApplicationForm", request())
    assert "聲請編號：pro-0001" in norm(pdftotext(reply.pdf, tmp_path))
    assert len(stand_in.runs) == 2


def test_a_renderer_that_hangs_again_is_unavailable_in_zh_tw_and_keeps_nothing(
    service, hanging_wkhtmltopdf, monkeypatch
):
    monkeypatch.setattr(pdf, "WKHTMLTOPDF_BASE_SECONDS", 1.0)
    stand_in = hanging_wkhtmltopdf(hangs=2)
    error = rpc_error(
        service.client(None, caller="gateway").call, "RenderApplicationForm", request()
    )
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    assert error.details() == "報表產製逾時，請稍後再試"
    assert len(stand_in.runs) == 2
    assert not stand_in.hung_left_running()
    assert service.stored_reports() == []

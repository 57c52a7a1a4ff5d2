"""The printable table (a court's fairness report): rendered from the rows given,
returned and kept nowhere; its text layer gives back the zh-TW text written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grpc
import pytest

from jes.report_render.v1 import report_render_pb2 as pb

COLUMNS = ["鑑定人", "類別", "依輪次選任", "跳過", "不依輪次選任", "撤換"]
ROWS = [
    ["甲估價師事務所", "不動產", "3", "1", "0", "0"],
    ["丙建築師事務所", "不動產", "2", "0", "1", "1"],
]


def request(**changes) -> pb.RenderTableReportRequest:
    values = {
        "title": "鑑定人選任公平性報告",
        "subtitles": ["臺灣基隆地方法院", "期間：民國 115年 11月1日 至 民國 115年 11月30日"],
        "columns": COLUMNS,
        "rows": [pb.TableRow(cells=row) for row in ROWS],
        "notes": ["輪次紀錄雜湊鏈檢核：完整"],
    }
    values.update(changes)
    return pb.RenderTableReportRequest(**values)


def norm(text: str) -> str:
    return "".join(text.split())


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "table.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_table_is_a_searchable_pdf_kept_nowhere(service, tmp_path):
    reply = service.client(None, caller="gateway").call("RenderTableReport", request())
    assert reply.pdf.startswith(b"%PDF-") and reply.pages == 1
    text = norm(pdftotext(reply.pdf, tmp_path))
    assert "鑑定人選任公平性報告" in text and "臺灣基隆地方法院" in text
    assert norm("期間：民國 115年 11月1日 至 民國 115年 11月30日") in text
    for column in COLUMNS:
        assert column in text
    assert "甲估價師事務所不動產3100" in text
    assert "輪次紀錄雜湊鏈檢核：完整" in text
    assert "\u2f45" not in text  # 方 reads as the ideograph, not the radical
    assert service.stored_reports() == []


def test_a_row_with_the_wrong_number_of_cells_is_refused_in_zh_tw(service):
    with pytest.raises(grpc.RpcError) as refused:
        service.client(None, caller="gateway").call(
            "RenderTableReport", request(rows=[pb.TableRow(cells=["甲"])])
        )
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == "報表資料有誤，無法列印"


def test_a_person_s_token_alone_may_not_render_one(service):
    person = service.client(service.issuer.issue("KLDCLERK", roles=["clerk"], court_code="KLD"))
    with pytest.raises(grpc.RpcError) as refused:
        person.call("RenderTableReport", request())
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

"""A printable table (a court's report, e.g. the fairness of appraiser assignments): what
a request to print one must hold. Everything arrives in zh-TW, as it is printed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jes_domain import InvalidArgument

TITLE_MAX = 60
LINE_MAX = 200
COLUMNS_MAX = 10
ROWS_MAX = 1000
CELL_MAX = 200
NOTES_MAX = 10
BAD_TABLE = "報表資料有誤，無法列印"


@dataclass(frozen=True)
class PrintableTable:
    title: str
    subtitles: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]


def validate_table(
    title: str,
    subtitles: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    notes: Sequence[str],
) -> PrintableTable:
    problems: dict[str, str] = {}
    if not title.strip() or len(title) > TITLE_MAX:
        problems["title"] = f"請提供標題（最多 {TITLE_MAX} 個字）"
    if len(subtitles) > NOTES_MAX or any(len(s) > LINE_MAX for s in subtitles):
        problems["subtitles"] = f"副標題最多 {NOTES_MAX} 行，每行最多 {LINE_MAX} 個字"
    if not columns or len(columns) > COLUMNS_MAX or any(not c.strip() for c in columns):
        problems["columns"] = f"請提供 1 至 {COLUMNS_MAX} 個欄位名稱"
    if len(rows) > ROWS_MAX:
        problems["rows"] = f"最多 {ROWS_MAX} 列"
    elif any(len(row) != len(columns) for row in rows):
        problems["rows"] = "每一列的欄數須與欄位名稱相同"
    elif any(len(cell) > CELL_MAX for row in rows for cell in row):
        problems["rows"] = f"每格最多 {CELL_MAX} 個字"
    if len(notes) > NOTES_MAX or any(len(n) > LINE_MAX for n in notes):
        problems["notes"] = f"說明最多 {NOTES_MAX} 點，每點最多 {LINE_MAX} 個字"
    if problems:
        raise InvalidArgument(BAD_TABLE, fields=problems)
    return PrintableTable(
        title.strip(),
        tuple(subtitles),
        tuple(columns),
        tuple(tuple(row) for row in rows),
        tuple(notes),
    )

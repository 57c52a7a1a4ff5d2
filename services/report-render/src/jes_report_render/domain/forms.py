"""A printable form (seed 001's 聲請單): what a request to print one must hold. The
labels and values arrive in zh-TW, as they are printed; nothing is looked up."""

from __future__ import annotations

from dataclasses import dataclass

from jes_domain import InvalidArgument

TITLE_MAX = 60
LINES_MAX = 40
LABEL_MAX = 40
VALUE_MAX = 500
NOTES_MAX = 10
NOTE_MAX = 300
SIGNATURES_MAX = 4
BAD_FORM = "聲請表資料有誤，無法列印"


@dataclass(frozen=True)
class FormLine:
    label: str
    value: str


@dataclass(frozen=True)
class PrintableForm:
    title: str
    reference: str
    applied_on: str
    lines: tuple[FormLine, ...]
    notes: tuple[str, ...]
    signatures: tuple[str, ...]


def validate_form(
    title: str,
    reference: str,
    applied_on: str,
    lines: list[tuple[str, str]],
    notes: list[str],
    signatures: list[str],
) -> PrintableForm:
    """The form to print, or InvalidArgument naming what is missing or too long."""
    problems: dict[str, str] = {}
    if not title.strip() or len(title) > TITLE_MAX:
        problems["title"] = f"請提供標題（最多 {TITLE_MAX} 個字）"
    if not lines:
        problems["lines"] = "聲請表沒有任何欄位"
    elif len(lines) > LINES_MAX:
        problems["lines"] = f"欄位最多 {LINES_MAX} 列"
    elif any(not label.strip() or len(label) > LABEL_MAX for label, _ in lines):
        problems["lines"] = f"每一列須有標籤（最多 {LABEL_MAX} 個字）"
    elif any(len(value) > VALUE_MAX for _, value in lines):
        problems["lines"] = f"欄位內容最多 {VALUE_MAX} 個字"
    if len(notes) > NOTES_MAX or any(len(note) > NOTE_MAX for note in notes):
        problems["notes"] = f"說明最多 {NOTES_MAX} 點，每點最多 {NOTE_MAX} 個字"
    if len(signatures) > SIGNATURES_MAX or any(len(s) > LABEL_MAX for s in signatures):
        problems["signatures"] = f"簽章欄最多 {SIGNATURES_MAX} 個"
    if len(reference) > 64 or len(applied_on) > 40:
        problems["reference"] = "聲請編號或日期過長"
    if problems:
        raise InvalidArgument(BAD_FORM, fields=problems)
    return PrintableForm(
        title=title.strip(),
        reference=reference.strip(),
        applied_on=applied_on.strip(),
        lines=tuple(FormLine(label.strip(), value.strip()) for label, value in lines),
        notes=tuple(note.strip() for note in notes),
        signatures=tuple(s.strip() for s in signatures),
    )

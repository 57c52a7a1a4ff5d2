"""照片公開查詢: court + case number as people type them, checked part by part."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.facades import PhotosFacade
from jes_zhtw import CaseNumber, CaseNumberInvalid, UnknownCourt, court_by_code, read_case_number

LOOKUP_FIELDS = ("court_code", "year", "word", "number")
MISSING_PART = {
    "year": "請輸入年度（民國年，數字）",
    "word": "請輸入字別，例如 司執",
    "number": "請輸入號（數字）",
}
STAND_INS: dict[str, Any] = {"year": 107, "word": "司執", "number": 1}  # valid, to check one part


class LookupInvalid(ValueError):
    def __init__(self, fields: dict[str, str]):
        super().__init__("查詢條件有誤")
        self.fields = fields


@dataclass(frozen=True)
class Lookup:
    court_code: str
    case_number: CaseNumber


def parse_lookup(values: Mapping[str, str], *, typed: bool = False) -> Lookup:
    """Court + 年度/字別/號 (full-width digits too); every problem at once as zh-TW
    messages per field. `typed`: the page's boxes as a person filled them, read by
    jes_zhtw.read_case_number (a pasted 114年度司執字第12345號 in any box, 司執字 for
    司執); a program's parts are taken as they are."""
    text = {
        name: unicodedata.normalize("NFKC", values.get(name, "")).strip() for name in LOOKUP_FIELDS
    }
    fields: dict[str, str] = {}
    court_code = ""
    if not text["court_code"]:
        fields["court_code"] = "請選擇法院"
    else:
        try:
            court_code = court_by_code(text["court_code"]).code
        except UnknownCourt as unknown:
            fields["court_code"] = str(unknown)
    if typed:
        try:
            case_number = read_case_number(
                values.get("year", ""), values.get("word", ""), values.get("number", "")
            )
        except CaseNumberInvalid as wrong:
            fields.update(wrong.fields)
        if fields:
            raise LookupInvalid(fields)
        return Lookup(court_code, case_number)
    parts: dict[str, Any] = {}
    for name, missing in MISSING_PART.items():
        raw = text[name]
        if not raw or (name != "word" and not raw.isdigit()):
            fields[name] = missing
            continue
        parts[name] = raw if name == "word" else int(raw)
        try:  # this part alone, so every wrong part gets jes_zhtw's message at once
            CaseNumber(**{**STAND_INS, name: parts[name]})
        except ValueError as bad:
            fields[name] = str(bad)
    if fields:
        raise LookupInvalid(fields)
    case_number = CaseNumber(**parts)
    return Lookup(court_code, case_number)


def find_public_sets(photos: PhotosFacade, lookup: Lookup) -> list[photo_storage_pb2.PhotoSet]:
    case = lookup.case_number
    return photos.find_public(lookup.court_code, year=case.year, word=case.word, number=case.number)

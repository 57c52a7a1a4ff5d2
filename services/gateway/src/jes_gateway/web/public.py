"""Public viewing (照片公開查詢): approved photo sets by court and case number, no login."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from flask import Blueprint, render_template, request

from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.context import gateway
from jes_gateway.ratelimit import RateLimiter
from jes_gateway.web.forms import FormProblem, form_problem
from jes_zhtw import COURTS, CaseNumber, UnknownCourt, court_by_code

bp = Blueprint("public", __name__)

# Generous for people, but stops a script from walking every case number. Shared with
# the API's lookup.
lookup_limiter = RateLimiter(limit=60, window_seconds=60)

PLACEMENT_LABELS = {
    photo_storage_pb2.PLACEMENT_INDOOR: "室內",
    photo_storage_pb2.PLACEMENT_OUTDOOR: "室外",
}
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


def parse_lookup(values: Mapping[str, str]) -> Lookup:
    """Court + 年度/字別/號 as people type them (full-width digits too); every problem at
    once as zh-TW messages per field."""
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
    parts: dict[str, Any] = {}
    for name, missing in MISSING_PART.items():
        raw = text[name]
        if not raw or (name != "word" and not raw.isdigit()):
            fields[name] = missing
            continue
        parts[name] = raw if name == "word" else int(raw)
        try:  # this part alone, so every wrong part gets jes_zhtw's message at once
            CaseNumber(**{**STAND_INS, name: parts[name]})
        except ValueError as invalid:
            fields[name] = str(invalid)
    if fields:
        raise LookupInvalid(fields)
    case_number = CaseNumber(**parts)
    return Lookup(court_code, case_number)


def find_public_sets(lookup: Lookup) -> list[photo_storage_pb2.PhotoSet]:
    reply = gateway().services.photos.call(
        "FindPublicPhotoSets",
        photo_storage_pb2.FindPublicPhotoSetsRequest(
            court_code=lookup.court_code,
            case_number=photo_storage_pb2.CaseNumber(
                year=lookup.case_number.year,
                word=lookup.case_number.word,
                number=lookup.case_number.number,
            ),
        ),
    )
    return list(reply.photo_sets)


@bp.get("/public")
def lookup() -> Any:
    form = {name: request.args.get(name, "").strip() for name in LOOKUP_FIELDS}
    values: dict[str, Any] = {
        "form": form,
        "courts": COURTS,
        "placement_labels": PLACEMENT_LABELS,
        "errors": {},
        "problem": None,
        "photo_sets": None,  # None: nothing asked yet; []: asked, nothing found
    }
    if not any(form.values()):
        return render_template("public/lookup.html", **values)
    lookup_limiter.check("public-lookup")
    try:
        wanted = parse_lookup(form)
        values["photo_sets"] = find_public_sets(wanted)
        values["case_text"] = wanted.case_number.formal()
        values["court_name"] = court_by_code(wanted.court_code).name
    except LookupInvalid as invalid:
        values["errors"] = invalid.fields
        values["problem"] = FormProblem("查詢條件有誤，請修正後再查詢", invalid.fields)
        return render_template("public/lookup.html", **values), 400
    except grpc.RpcError as error:
        problem = form_problem(error)
        values.update(problem=problem, errors=problem.fields)
        return render_template("public/lookup.html", **values), problem.status
    return render_template("public/lookup.html", **values)

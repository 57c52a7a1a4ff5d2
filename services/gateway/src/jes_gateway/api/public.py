"""REST API for public viewing: approved photo sets by court and case number (no token)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.api.openapi import INTEGER, STRING, errors, obj, operation, query, ref, reply
from jes_gateway.api.v1 import PLACEMENTS, case_number_json, name_of
from jes_gateway.web.public import (
    LOOKUP_FIELDS,
    LookupInvalid,
    find_public_sets,
    lookup_limiter,
    parse_lookup,
)

bp = Blueprint("api_public", __name__, url_prefix="/api/v1")


def public_photo_set_json(photo_set: photo_storage_pb2.PhotoSet) -> dict[str, Any]:
    """Only what the public may see: no firm, no original, no metadata."""
    return {
        "court_code": photo_set.court_code,
        "division": photo_set.division,
        "case_number": case_number_json(photo_set.case_number),
        "case_number_text": photo_set.case_number_text,
        "batch": photo_set.batch,
        "photos": [
            {
                "sequence": photo.sequence,
                "placement": name_of(PLACEMENTS, photo.placement),
                "auction_target": photo.auction_target,
                "description": photo.description,
                "url": photo.public_url,
            }
            for photo in photo_set.photos
        ],
    }


@bp.get("/public/photo-sets")
def find_photo_sets() -> Any:
    lookup_limiter.check("public-lookup")
    try:
        wanted = parse_lookup({name: request.args.get(name, "") for name in LOOKUP_FIELDS})
    except LookupInvalid as invalid:
        return jsonify(error="查詢條件有誤", fields=invalid.fields), 400
    return jsonify(photo_sets=[public_photo_set_json(s) for s in find_public_sets(wanted)])


OPENAPI_SCHEMAS: dict[str, Any] = {
    "PublicPhotoSet": obj(
        {
            "court_code": STRING,
            "division": {"type": "string", "description": "股別"},
            "case_number": ref("CaseNumber"),
            "case_number_text": {"type": "string", "description": "如 107年度司執字第999號"},
            "batch": INTEGER,
            "photos": {
                "type": "array",
                "items": obj(
                    {
                        "sequence": INTEGER,
                        "placement": {"enum": ["indoor", "outdoor", ""]},
                        "auction_target": STRING,
                        "description": STRING,
                        "url": {
                            "type": "string",
                            "description": "公開版照片（長邊 1000 像素，已移除拍攝位置等資料）",
                        },
                    },
                    ["sequence", "url"],
                ),
            },
        },
        ["court_code", "case_number", "batch", "photos"],
    )
}

OPENAPI_PATHS: dict[str, Any] = {
    "/public/photo-sets": {
        "get": operation(
            "照片公開查詢：依法院及案號查詢審核通過的照片",
            "公開查詢",
            {
                "200": reply(
                    "審核通過的照片（沒有時為空陣列）",
                    obj(
                        {"photo_sets": {"type": "array", "items": ref("PublicPhotoSet")}},
                        ["photo_sets"],
                    ),
                ),
                **errors(400, 429),
            },
            public=True,
            parameters=[
                query("court_code", "法院代碼，如 TPD", STRING, required=True),
                query("year", "年度（民國年）", {"type": "integer"}, required=True),
                query("word", "字別，如 司執", STRING, required=True),
                query("number", "號", {"type": "integer"}, required=True),
            ],
        )
    }
}

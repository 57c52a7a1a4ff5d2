"""Public viewing: approved photo sets by court and case number (no token)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, refuse, services
from jes_gateway.api.schemas.accounts import PublicLookup, PublicPhotoSets
from jes_gateway.api.shapes import public_photo_set_json
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import lookup_limiter
from jes_gateway.presentation.lookup import LookupInvalid, find_public_sets, parse_lookup

bp = Blueprint("api_public", __name__, url_prefix=PREFIX)


@bp.get("/public/photo-sets")
@api.validate(resp=answers(200, PublicPhotoSets, 400, 429), tags=["公開查詢"], security=PUBLIC)
def find_photo_sets(query: PublicLookup) -> Any:
    """照片公開查詢：依法院及案號查詢審核通過的照片"""
    lookup_limiter.check("public-lookup")
    try:
        wanted = parse_lookup(query.model_dump())
    except LookupInvalid as invalid:
        refuse(invalid.fields, "查詢條件有誤")
    sets = find_public_sets(services().photos, wanted)
    return jsonify(photo_sets=[public_photo_set_json(s) for s in sets])

"""Photo sets (seed 000): list, open (query or create), read, set the property type,
reorder the photos.

Every call goes to photo-storage with the caller's own token: photo-storage decides what
the caller may see and change (a firm: its own sets; another firm's set is "not found").
Changes carry `expected_version`, the set version the caller last saw; a stale one is
refused with 409 so two programs (or a program and a person) cannot overwrite each other.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.photos import (
    ListPhotoSetsQuery,
    OpenPhotoSet,
    PageQuery,
    PhotoSet,
    PhotoSetPage,
    ReorderPhotos,
    UpdatePhotoSet,
)
from jes_gateway.api.shapes import photo_set_json
from jes_gateway.api.spec import answers, api
from jes_gateway.presentation.vocabulary import PROPERTY_TYPES, STATUSES

bp = Blueprint("api_photo_sets", __name__, url_prefix=PREFIX)
TAG = "照片"
SET_ID = {"set_id": "照片組代號"}


@bp.get("/photo-sets")
@api.validate(resp=answers(200, PhotoSetPage, 400, 401, 403), tags=[TAG])
def list_photo_sets(query: ListPhotoSetsQuery) -> Any:
    """我的照片組（可依狀態篩選）"""
    reply = services().photos.list_sets(
        bearer_token(),
        statuses=[STATUSES[s] for s in query.statuses()],
        page=query.page,
        page_size=query.page_size,
    )
    return jsonify(
        photo_sets=[photo_set_json(s) for s in reply.photo_sets],
        total=reply.total,
        page=reply.page,
        page_count=reply.page_count,
    )


@bp.post("/photo-sets")
@api.validate(resp=answers(200, PhotoSet, 400, 401, 403, 404, 409), tags=[TAG])
def open_photo_set(json: OpenPhotoSet) -> Any:
    """照片上傳維護：依股別、案號、批次查詢或新增照片組"""
    case = json.case_number
    photo_set = services().photos.open_set(
        bearer_token(),
        court_code=json.court_code,
        division=json.division,
        year=case.year,
        word=case.word,
        number=case.number,
        batch=json.batch or 1,
        create=json.create,
        confirm_other_division=json.confirm_other_division,
    )
    return jsonify(photo_set_json(photo_set))


@bp.get("/photo-sets/<set_id>")
@api.validate(
    resp=answers(200, PhotoSet, 400, 401, 404), tags=[TAG], path_parameter_descriptions=SET_ID
)
def get_photo_set(set_id: str, query: PageQuery) -> Any:
    """一個照片組：照片（可分頁）、檢核結果、狀態與版本"""
    photo_set = services().photos.get_set(
        bearer_token(), set_id, page=query.page, page_size=query.page_size
    )
    return jsonify(photo_set_json(photo_set))


@bp.patch("/photo-sets/<set_id>")
@api.validate(
    resp=answers(200, PhotoSet, 400, 401, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=SET_ID,
)
def update_photo_set(set_id: str, json: UpdatePhotoSet) -> Any:
    """設定標的類型（決定照片檢核的項目）"""
    photo_set = services().photos.set_property_type(
        bearer_token(), set_id, PROPERTY_TYPES[json.property_type], json.expected_version
    )
    return jsonify(photo_set_json(photo_set))


@bp.post("/photo-sets/<set_id>/order")
@api.validate(
    resp=answers(200, PhotoSet, 400, 401, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=SET_ID,
)
def reorder_photos(set_id: str, json: ReorderPhotos) -> Any:
    """調整照片順序（序號依新順序改為 1..n）"""
    photo_set = services().photos.reorder(
        bearer_token(), set_id, json.photo_ids, json.expected_version
    )
    return jsonify(photo_set_json(photo_set))

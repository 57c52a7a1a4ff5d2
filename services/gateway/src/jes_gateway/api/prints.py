"""Prints of a photo set: print (= submit to the court), the prints so far, what changed
between two prints, and the set's history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.photos import (
    Changes,
    DiffQuery,
    History,
    Printed,
    PrintPhotoSet,
    Prints,
)
from jes_gateway.api.shapes import photo_set_json
from jes_gateway.api.spec import answers, api
from jes_gateway.presentation.shapes import audit_json, change_json, print_json

bp = Blueprint("api_prints", __name__, url_prefix=PREFIX)
TAG = "照片"
SET_ID = {"set_id": "照片組代號"}


@bp.post("/photo-sets/<set_id>/print")
@api.validate(
    resp=answers(200, Printed, 400, 401, 404, 409), tags=[TAG], path_parameter_descriptions=SET_ID
)
def print_photo_set(set_id: str, json: PrintPhotoSet) -> Any:
    """列印（產生 PDF 照片報告並送交法院審核）

    列印即送審；列印後再修改，須重新列印法院才能接收。
    """
    version = json.expected_version if json is not None else 0  # the body is optional
    reply = services().photos.print_set(bearer_token(), set_id, version)
    return jsonify(
        photo_set=photo_set_json(reply.photo_set),
        report_id=reply.report_id,
        fingerprint=reply.fingerprint,
        pages=reply.pages,
        report_url=reply.report_url,
    )


@bp.get("/photo-sets/<set_id>/prints")
@api.validate(resp=answers(200, Prints, 401, 404), tags=[TAG], path_parameter_descriptions=SET_ID)
def list_prints(set_id: str) -> Any:
    """歷次列印（新的在前）"""
    prints = services().photos.prints(bearer_token(), set_id)
    return jsonify(prints=[print_json(p) for p in prints])


@bp.get("/photo-sets/<set_id>/diff")
@api.validate(
    resp=answers(200, Changes, 400, 401, 404), tags=[TAG], path_parameter_descriptions=SET_ID
)
def diff_prints(set_id: str, query: DiffQuery) -> Any:
    """兩次列印之間的差異"""
    changes = services().photos.diff(bearer_token(), set_id, query.from_, query.to)
    return jsonify(changes=[change_json(c) for c in changes])


@bp.get("/photo-sets/<set_id>/history")
@api.validate(resp=answers(200, History, 401, 404), tags=[TAG], path_parameter_descriptions=SET_ID)
def photo_set_history(set_id: str) -> Any:
    """照片組的異動紀錄（送審後的修改、法院的決定；舊的在前）"""
    entries = services().photos.history(bearer_token(), set_id)
    return jsonify(entries=[audit_json(e) for e in entries])

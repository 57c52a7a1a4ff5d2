"""REST API v1. Every endpoint is described in `openapi.py`; keep the two in step."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.context import gateway

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

PLACEMENTS = {
    "indoor": photo_storage_pb2.PLACEMENT_INDOOR,
    "outdoor": photo_storage_pb2.PLACEMENT_OUTDOOR,
    "": photo_storage_pb2.PLACEMENT_UNSPECIFIED,
}


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="請以 JSON 格式送出資料")
    return body


@bp.post("/firm-applications")
def apply_firm_account() -> Any:
    body = json_body()
    reply = gateway().services.identity.call(
        "ApplyFirmAccount",
        identity_pb2.ApplyFirmAccountRequest(
            court_code=str(body.get("court_code", "")),
            company_name=str(body.get("company_name", "")),
            contact_person=str(body.get("contact_person", "")),
            email=str(body.get("email", "")),
            phone=str(body.get("phone", "")),
        ),
    )
    return jsonify(id=reply.id, status="pending", message="申請已送出，請等候法院審核"), 201


@bp.post("/sessions")
def login() -> Any:
    body = json_body()
    reply = gateway().services.identity.call(
        "Login",
        identity_pb2.LoginRequest(
            account_id=str(body.get("account_id", "")), password=str(body.get("password", ""))
        ),
    )
    return jsonify(
        access_token=reply.access_token,
        expires_in=reply.expires_in_seconds,
        account={
            "account_id": reply.account.account_id,
            "name": reply.account.display_name,
            "roles": list(reply.account.roles),
            "court_code": reply.account.court_code,
        },
    ), 201


@bp.post("/photo-sets")
def open_photo_set() -> Any:
    body = json_body()
    case = body.get("case_number") or {}
    try:
        request_message = photo_storage_pb2.OpenPhotoSetRequest(
            court_code=str(body.get("court_code", "")),
            division=str(body.get("division", "")),
            case_number=photo_storage_pb2.CaseNumber(
                year=int(case.get("year", 0)),
                word=str(case.get("word", "")),
                number=int(case.get("number", 0)),
            ),
            batch=int(body.get("batch") or 1),
            create=bool(body.get("create", True)),
        )
    except (TypeError, ValueError, AttributeError):
        abort(400, description="案號格式錯誤")
    reply = gateway().services.photos.call("OpenPhotoSet", request_message, token=bearer_token())
    return jsonify(photo_set_json(reply))


@bp.get("/photo-sets/<set_id>")
def get_photo_set(set_id: str) -> Any:
    reply = gateway().services.photos.call(
        "GetPhotoSet",
        photo_storage_pb2.GetPhotoSetRequest(photo_set_id=set_id),
        token=bearer_token(),
    )
    return jsonify(photo_set_json(reply))


@bp.post("/photo-sets/<set_id>/photos")
def upload_photo(set_id: str) -> Any:
    upload = request.files.get("file")
    if upload is None:
        abort(400, description="請選擇要上傳的照片")
    placement = request.form.get("placement", "")
    if placement not in PLACEMENTS:
        abort(400, description="室內/室外欄位不正確")
    reply = gateway().services.photos.call(
        "UploadPhoto",
        photo_storage_pb2.UploadPhotoRequest(
            photo_set_id=set_id,
            content=upload.read(),
            filename=upload.filename or "",
            placement=PLACEMENTS[placement],
            auction_target=request.form.get("auction_target", ""),
            description=request.form.get("description", ""),
            remark=request.form.get("remark", ""),
        ),
        token=bearer_token(),
    )
    return jsonify(photo_json(reply)), 201


@bp.post("/photo-sets/<set_id>/print")
def print_photo_set(set_id: str) -> Any:
    reply = gateway().services.photos.call(
        "PrintPhotoSet",
        photo_storage_pb2.PrintPhotoSetRequest(photo_set_id=set_id),
        token=bearer_token(),
        timeout=300,
    )
    return jsonify(
        photo_set=photo_set_json(reply.photo_set),
        report_id=reply.report_id,
        fingerprint=reply.fingerprint,
        pages=reply.pages,
    )


def photo_json(photo: photo_storage_pb2.Photo) -> dict[str, Any]:
    return {
        "id": photo.id,
        "sequence": photo.sequence,
        "placement": {1: "indoor", 2: "outdoor"}.get(photo.placement, ""),
        "orientation": {1: "landscape", 2: "portrait"}.get(photo.orientation, ""),
        "auction_target": photo.auction_target,
        "description": photo.description,
        "remark": photo.remark,
        "width": photo.width,
        "height": photo.height,
        "sha256": photo.sha256,
    }


def photo_set_json(photo_set: photo_storage_pb2.PhotoSet) -> dict[str, Any]:
    status = photo_storage_pb2.PhotoSetStatus.Name(photo_set.status)
    return {
        "id": photo_set.id,
        "court_code": photo_set.court_code,
        "division": photo_set.division,
        "case_number": {
            "year": photo_set.case_number.year,
            "word": photo_set.case_number.word,
            "number": photo_set.case_number.number,
        },
        "batch": photo_set.batch,
        "status": status.removeprefix("PHOTO_SET_STATUS_").lower(),
        "version": photo_set.version,
        "photos": [photo_json(p) for p in photo_set.photos],
    }

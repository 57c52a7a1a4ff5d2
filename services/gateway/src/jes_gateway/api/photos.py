"""Photos: upload one, change its fields, replace its image, delete it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.photos import (
    Photo,
    PhotoSet,
    ReplaceImageForm,
    UpdatePhoto,
    UploadPhotoForm,
    VersionQuery,
)
from jes_gateway.api.shapes import photo_set_json
from jes_gateway.api.spec import answers, api
from jes_gateway.facades import PhotoFields
from jes_gateway.presentation.shapes import photo_json
from jes_gateway.presentation.vocabulary import ORIENTATIONS, PLACEMENTS, VIEWS

bp = Blueprint("api_photos", __name__, url_prefix=PREFIX)
TAG = "照片"
PHOTO_ID = {"photo_id": "照片代號"}


def upload_form(form: UploadPhotoForm | None) -> UploadPhotoForm:
    """The form as validated; a body that is no form at all lacks every field."""
    return form if form is not None else UploadPhotoForm.model_validate({})


@bp.post("/photo-sets/<set_id>/photos")
@api.validate(
    resp=answers(201, Photo, 400, 401, 404, 409),
    tags=[TAG],
    path_parameter_descriptions={"set_id": "照片組代號"},
)
def upload_photo(set_id: str, form: UploadPhotoForm) -> Any:
    """上傳一張照片

    縮圖、報告用圖及公開版照片由系統製作。格式以內容判斷，不看副檔名。
    """
    form = upload_form(form)
    fields = PhotoFields(
        placement=PLACEMENTS[form.placement],
        orientation=ORIENTATIONS[form.orientation],
        auction_target=form.auction_target,
        description=form.description,
        remark=form.remark,
        sequence=form.sequence,
        views=[VIEWS[v] for v in form.views],
    )
    photo = services().photos.upload_photo(
        bearer_token(),
        set_id,
        fields,
        content=form.file.stream,
        filename=form.file.filename or "",
        version=form.expected_version,
    )
    return jsonify(photo_json(photo)), 201


@bp.patch("/photos/<photo_id>")
@api.validate(
    resp=answers(200, Photo, 400, 401, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=PHOTO_ID,
)
def update_photo(photo_id: str, json: UpdatePhoto) -> Any:
    """修改照片的欄位（未送出的欄位保留原值）"""
    token = bearer_token()
    keep = None
    if None in (json.placement, json.auction_target, json.description, json.remark, json.views):
        keep = services().photos.get_photo(token, photo_id)
    fields = PhotoFields(
        sequence=json.sequence,
        orientation=ORIENTATIONS[json.orientation],
        placement=PLACEMENTS[json.placement] if json.placement is not None else keep.placement,  # type: ignore[union-attr]
        auction_target=_kept(json.auction_target, keep, "auction_target"),
        description=_kept(json.description, keep, "description"),
        remark=_kept(json.remark, keep, "remark"),
        views=[VIEWS[v] for v in json.views] if json.views is not None else list(keep.views),  # type: ignore[union-attr]
    )
    photo = services().photos.update_photo(token, photo_id, fields, json.expected_version)
    return jsonify(photo_json(photo))


def _kept(sent: str | None, current: Any, name: str) -> str:
    return sent if sent is not None else str(getattr(current, name))


@bp.put("/photos/<photo_id>/image")
@api.validate(
    resp=answers(200, Photo, 400, 401, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=PHOTO_ID,
)
def replace_photo_image(photo_id: str, form: ReplaceImageForm) -> Any:
    """更換照片檔（序號及欄位不變）"""
    form = form if form is not None else ReplaceImageForm.model_validate({})
    photo = services().photos.replace_image(
        bearer_token(),
        photo_id,
        content=form.file.stream,
        filename=form.file.filename or "",
        version=form.expected_version,
    )
    return jsonify(photo_json(photo))


@bp.delete("/photos/<photo_id>")
@api.validate(
    resp=answers(200, PhotoSet, 400, 401, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=PHOTO_ID,
)
def delete_photo(photo_id: str, query: VersionQuery) -> Any:
    """刪除照片（後面的照片序號往前遞補）"""
    photo_set = services().photos.delete_photo(bearer_token(), photo_id, query.expected_version)
    return jsonify(photo_set_json(photo_set))

"""One photo's pages (seed 000): edit its fields and views, replace its image, delete it.

Routes on the photo pages' blueprint (`photos.bp`), so their endpoints stay `photos.*`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_gateway.context import gateway
from jes_gateway.facades import PhotoFields
from jes_gateway.presentation.courts import court_name
from jes_gateway.presentation.vocabulary import ORIENTATIONS, PLACEMENTS, VIEWS, name_of
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.photos import (
    CHANGE_AFTER_PRINT,
    LOCKED,
    PAGE_SIZE,
    back_to_set,
    bp,
    expected_version,
    flash_refusal,
    photo_form_fields,
    photos,
    token,
)
from jes_gateway.web.session import login_required


def find_photo(set_id: str, photo_id: str) -> tuple[pb.PhotoSet, pb.Photo]:
    """The photo, and its set's header (one photo page, not every photo's URLs)."""
    photo = photos().get_photo(token(), photo_id)
    if photo.photo_set_id != set_id:
        abort(404, description="找不到這張照片")
    return photos().set_header(token(), set_id), photo


def edit_values(photo: pb.Photo) -> dict[str, Any]:
    return {
        "sequence": str(photo.sequence),
        "placement": name_of(PLACEMENTS, photo.placement),
        "orientation": name_of(ORIENTATIONS, photo.orientation),
        "auction_target": photo.auction_target,
        "description": photo.description,
        "remark": photo.remark,
        "views": [name_of(VIEWS, v) for v in photo.views],
    }


def edit_page(
    whole: pb.PhotoSet,
    photo: pb.Photo,
    values: dict[str, Any],
    *,
    version: int,
    problem: Problem | None = None,
    image_problem: Problem | None = None,
) -> Any:
    page = render_template(
        "photos/edit.html",
        photo_set=whole,
        photo=photo,
        values=values,
        version=version,
        problem=problem,
        errors=problem.fields if problem else {},
        image_problem=image_problem,
        # Whatever refused the new image is said beside its file field.
        image_errors={
            "file": image_problem.fields.get("file")
            or image_problem.fields.get("content")
            or image_problem.message
        }
        if image_problem
        else {},
        max_upload_mb=gateway().config.max_upload_mb,
        back_page=(photo.sequence - 1) // PAGE_SIZE + 1,
        change_confirm=CHANGE_AFTER_PRINT if whole.status == pb.PHOTO_SET_STATUS_SUBMITTED else "",
        court_name=court_name(whole.court_code),
    )
    failed = problem or image_problem
    return (page, failed.status) if failed else page


def refuse_if_locked(whole: pb.PhotoSet) -> Any | None:
    if whole.status == pb.PHOTO_SET_STATUS_APPROVED:
        flash(LOCKED, "error")
        return back_to_set(whole.id, page=1)
    return None


def photo_saved(set_id: str, photo: pb.Photo, verb: str) -> Any:
    flash(f"已{verb}序號 {photo.sequence} 的照片。", "ok")
    page = (photo.sequence - 1) // PAGE_SIZE + 1
    return back_to_set(set_id, page=page, anchor=f"photo-{photo.id}")


def too_large_message() -> str:
    return f"檔案超過 {gateway().config.max_upload_mb} MB 上限，請選擇較小的照片檔"


def back_after_too_large() -> Any | None:
    """A new image over the size limit cannot even be read (nor its CSRF token), so the
    firm is sent back to the photo, where the refusal shows beside the file field; None
    for any other request (the usual error page)."""
    if request.endpoint != "photos.replace_image" or not request.view_args:
        return None
    return redirect(
        url_for("photos.edit", **request.view_args, image=TOO_LARGE, _anchor="replace"),
        code=303,
    )


TOO_LARGE = "too-large"


@bp.get("/sets/<set_id>/photos/<photo_id>/edit")
@login_required("firm")
def edit(set_id: str, photo_id: str) -> Any:
    whole, photo = find_photo(set_id, photo_id)
    image_problem = None
    if request.args.get("image") == TOO_LARGE:
        image_problem = Problem(413, too_large_message(), {"file": too_large_message()})
    page = refuse_if_locked(whole) or edit_page(
        whole, photo, edit_values(photo), version=whole.version, image_problem=image_problem
    )
    # shown as a page, as any redirect's target: the refusal is on it
    return page[0] if isinstance(page, tuple) else page


@bp.post("/sets/<set_id>/photos/<photo_id>/edit")
@login_required("firm")
def edit_submit(set_id: str, photo_id: str) -> Any:
    version = expected_version()
    form = request.form
    values: dict[str, Any] = {
        name: form.get(name, "").strip()
        for name in ("sequence", "placement", "orientation", "auction_target", "description")
    }
    values["remark"] = form.get("remark", "").strip()
    values["views"] = [v for v in form.getlist("views") if v in VIEWS]
    errors: dict[str, str] = {}
    fields = photo_form_fields(form, errors)
    problem = invalid(errors, "照片資料有誤") if errors else None
    if problem is None:
        try:
            return photo_saved(
                set_id, photos().update_photo(token(), photo_id, fields, version), "儲存"
            )
        except Problem as error:
            problem = form_problem(error)
    # Shown again with what the firm typed, and the version it started from: after a
    # refusal for a stale version nothing is lost, and nothing is overwritten either.
    whole, photo = find_photo(set_id, photo_id)
    return edit_page(whole, photo, values, version=version, problem=problem)


@bp.post("/sets/<set_id>/photos/<photo_id>/image")
@login_required("firm")
def replace_image(set_id: str, photo_id: str) -> Any:
    version = expected_version()
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        image_problem = invalid({"file": "請選擇新的照片檔案"}, "請選擇新的照片檔案")
    else:
        try:
            photo = photos().replace_image(
                token(),
                photo_id,
                content=upload_file.stream,
                filename=upload_file.filename,
                version=version,
            )
            return photo_saved(set_id, photo, "更換")
        except Problem as error:
            image_problem = form_problem(error)
    whole, photo = find_photo(set_id, photo_id)
    return edit_page(whole, photo, edit_values(photo), version=version, image_problem=image_problem)


@bp.post("/sets/<set_id>/photos/<photo_id>/views")
@login_required("firm")
def set_views(set_id: str, photo_id: str) -> Any:
    """The photo list's own 拍攝內容 checkboxes: only the views change, so the firm clears
    a checklist warning without opening each photo's edit page."""
    version = expected_version()
    views = request.form.getlist("views")
    if any(v not in VIEWS for v in views):
        abort(400, description="拍攝內容欄位不正確")
    _, photo = find_photo(set_id, photo_id)
    fields = PhotoFields(
        placement=photo.placement,
        orientation=photo.orientation,
        auction_target=photo.auction_target,
        description=photo.description,
        remark=photo.remark,
        sequence=photo.sequence,
        views=[VIEWS[v] for v in views],
    )
    try:
        saved = photos().update_photo(token(), photo_id, fields, version)
    except Problem as error:
        flash_refusal(error)
        return back_to_set(set_id, anchor=f"photo-{photo_id}")
    flash(f"已儲存序號 {saved.sequence} 的拍攝內容。", "ok")
    return back_to_set(set_id, anchor=f"photo-{photo_id}")


@bp.post("/sets/<set_id>/photos/<photo_id>/delete")
@login_required("firm")
def delete(set_id: str, photo_id: str) -> Any:
    sequence = request.form.get("sequence", "")
    try:
        photos().delete_photo(token(), photo_id, expected_version())
    except Problem as error:
        flash_refusal(error)
        return back_to_set(set_id)
    flash(f"已刪除序號 {sequence} 的照片。" if sequence else "已刪除照片。", "ok")
    return back_to_set(set_id)

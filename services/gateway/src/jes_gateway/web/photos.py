"""The firm's photo pages (seed 000): 照片上傳維護, the set page with upload, list, edit,
reorder, checklist and 列印, and 維護未通過審核照片.

Every call carries the signed-in firm's own token, so photo-storage decides ownership.
Every change sends the set version the page showed (expected_version): a change made
meanwhile in another tab is refused instead of overwritten.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_gateway.context import gateway
from jes_gateway.facades import PhotoFields, PhotosFacade
from jes_gateway.presentation.courts import court_name
from jes_gateway.presentation.numbers import OUT_OF_RANGE, fits_int32, int32
from jes_gateway.presentation.shapes import photo_json
from jes_gateway.presentation.vocabulary import (
    ORIENTATION_LABELS,
    ORIENTATIONS,
    PLACEMENT_LABELS,
    PLACEMENTS,
    PROPERTY_TYPE_LABELS,
    PROPERTY_TYPES,
    STATUS_LABELS,
    VIEW_LABELS,
    VIEWS,
    name_of,
)
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid, page_number
from jes_gateway.web.session import login_required, require_user
from jes_zhtw import CaseNumber, CaseNumberInvalid, read_batch, read_case_number

bp = Blueprint("photos", __name__, url_prefix="/photos")

PAGE_SIZE = 10  # photos per page of a set, as the seed's list pages them
SETS_PAGE_SIZE = 10

# CSS class suffix of each status badge.
STATUS_CLASSES = {
    pb.PHOTO_SET_STATUS_DRAFT: "draft",
    pb.PHOTO_SET_STATUS_SUBMITTED: "submitted",
    pb.PHOTO_SET_STATUS_CHANGED_SINCE_PRINT: "changed",
    pb.PHOTO_SET_STATUS_REJECTED: "rejected",
    pb.PHOTO_SET_STATUS_APPROVED: "approved",
}
CHANGE_AFTER_PRINT = "此案件已列印送出，修改後須重新列印，法院才能接收。"
LOCKED = "此案件已通過法院審核，無法再修改。"
PRINT_CONFIRM = "列印即送交法院審核。"
# Service fields of OpenPhotoSet → the query form's inputs.
QUERY_FIELDS = {
    "case_number.year": "year",
    "case_number.word": "word",
    "case_number.number": "number",
}


def photos() -> PhotosFacade:
    return gateway().services.photos


def token() -> str:
    return require_user().token


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "status_classes": STATUS_CLASSES,
        "placement_labels": PLACEMENT_LABELS,
        "orientation_labels": ORIENTATION_LABELS,
        "property_type_labels": PROPERTY_TYPE_LABELS,
        "view_labels": VIEW_LABELS,
        "placement_of": lambda photo: name_of(PLACEMENTS, photo.placement),
        "orientation_of": lambda photo: name_of(ORIENTATIONS, photo.orientation),
        "views_of": lambda photo: [name_of(VIEWS, v) for v in photo.views],
        "property_type_of": lambda photo_set: name_of(PROPERTY_TYPES, photo_set.property_type),
        "APPROVED": pb.PHOTO_SET_STATUS_APPROVED,
        "SUBMITTED": pb.PHOTO_SET_STATUS_SUBMITTED,
        "REJECTED": pb.PHOTO_SET_STATUS_REJECTED,
        "page_size": PAGE_SIZE,
    }


def form_int(form: dict[str, str], name: str, errors: dict[str, str], *, default: int = 0) -> int:
    """An integer form field; a non-number becomes a zh-TW error for that field."""
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = "請輸入數字"
        return default
    if not fits_int32(value):
        errors[name] = OUT_OF_RANGE
        return default
    return value


def expected_version() -> int:
    """The set version the page showed; missing or odd means a page we did not make."""
    try:
        return int32(request.form.get("expected_version", ""))
    except ValueError:
        abort(400, description="網頁資料不完整，請重新整理頁面後再試")


# -- 照片上傳維護: query or create ----------------------------------------------------------


def query_page(
    form: dict[str, str],
    *,
    problem: Problem | None = None,
    not_found: str = "",
    other_division_sets: list[pb.PhotoSet] | None = None,
) -> Any:
    user = require_user()
    listing = photos().list_sets(
        user.token, page=page_number(request.args.get("page")), page_size=SETS_PAGE_SIZE
    )
    errors = {QUERY_FIELDS.get(k, k): v for k, v in (problem.fields if problem else {}).items()}
    page = render_template(
        "photos/query.html",
        form=form,
        problem=problem,
        errors=errors,
        not_found=not_found,
        other_division_sets=other_division_sets or [],
        listing=listing,
        court_name=court_name(user.court_code),
    )
    return page, problem.status if problem else 200


@bp.get("/")
@login_required("firm")
def query() -> Any:
    return query_page({"batch": "1"})


def read_set_form(form: dict[str, str]) -> tuple[CaseNumber, int]:
    """股別, 年/字/號 and 批次 as the firm typed or pasted them (jes_zhtw reads the case
    number: 114年度司執字第12345號 in any box, 司執字 for 司執); every wrong box at once,
    each with its own message. `form` is rewritten with what was understood."""
    errors: dict[str, str] = {}
    if not form["division"]:
        errors["division"] = "請輸入股別"
    case = None
    try:
        case = read_case_number(form["year"], form["word"], form["number"])
        form.update(year=str(case.year), word=case.word, number=str(case.number))
    except CaseNumberInvalid as wrong:
        errors.update(wrong.fields)
    batch = 1
    try:
        batch = read_batch(form["batch"])
        form["batch"] = str(batch)
    except ValueError as wrong:
        errors["batch"] = str(wrong)
    if errors or case is None:
        raise invalid(errors, "查詢條件有誤，請依各欄位的說明修正")
    return case, batch


@bp.post("/open")
@login_required("firm")
def open_set() -> Any:
    """查詢 finds an existing set; 新增 makes it when it does not exist yet. A second set
    of a case the firm already has under another 股別 is made only once confirmed."""
    form = {
        name: request.form.get(name, "").strip()
        for name in ("division", "year", "word", "number", "batch")
    }
    create = request.form.get("action") == "create"
    confirmed = request.form.get("confirm_other_division") == "1"
    try:
        case, batch = read_set_form(form)
    except Problem as wrong:
        return query_page(form, problem=wrong)
    if create and not confirmed:
        same_case = photos().list_sets(token(), case=case, page_size=100).photo_sets
        exists = any(s.division == form["division"] and s.batch == batch for s in same_case)
        others = [s for s in same_case if s.division != form["division"]]
        if others and not exists:
            return query_page(form, other_division_sets=others)
    try:
        photo_set = photos().open_set(
            token(),
            division=form["division"],
            year=case.year,
            word=case.word,
            number=case.number,
            batch=batch,
            create=create,
            confirm_other_division=confirmed,
        )
    except Problem as error:
        if error.status == 404:
            wanted = f"{form['division']}股 {case.formal()} 批次 {batch}"
            return query_page(form, not_found=wanted)
        return query_page(form, problem=form_problem(error))
    if create:
        flash("已新增此案件，請上傳照片。", "ok")
    return redirect(url_for("photos.photo_set", set_id=photo_set.id), code=303)


# -- the set page ----------------------------------------------------------------------------


def print_confirm_text(photo_set: pb.PhotoSet) -> str:
    warnings = [item.warning for item in photo_set.checklist if not item.satisfied]
    lines = []
    if warnings:
        lines.append("照片檢核提醒：")
        lines.extend(f"・{w}" for w in warnings)
        lines.append("")
    lines.append(PRINT_CONFIRM + "確定要列印嗎？")
    return "\n".join(lines)


@bp.get("/sets/<set_id>")
@login_required("firm")
def photo_set(set_id: str) -> Any:
    page = page_number(request.args.get("page"))
    current = photos().get_set(token(), set_id, page=page, page_size=PAGE_SIZE)
    prints = photos().prints(token(), set_id)
    changes: list[pb.PhotoChange] = []
    if current.changed_since_print and current.last_fingerprint:
        changes = photos().diff(token(), set_id, current.last_fingerprint)
    rejected_photos: list[pb.Photo] = []
    if current.status == pb.PHOTO_SET_STATUS_REJECTED:
        # The reasons of every page, so the firm sees at once what to fix and where.
        whole = photos().get_set(token(), set_id)
        rejected_photos = [p for p in whole.photos if p.rejection_reason]
    return render_template(
        "photos/set.html",
        photo_set=current,
        prints=prints,
        changes=changes,
        rejected_photos=rejected_photos,
        court_name=court_name(current.court_code),
        locked=current.status == pb.PHOTO_SET_STATUS_APPROVED,
        change_confirm=CHANGE_AFTER_PRINT
        if current.status == pb.PHOTO_SET_STATUS_SUBMITTED
        else "",
        print_confirm=print_confirm_text(current),
        max_upload_mb=gateway().config.max_upload_mb,
    )


def back_to_set(set_id: str, page: int | None = None, anchor: str | None = None) -> Any:
    page = page if page is not None else page_number(request.form.get("page"))
    return redirect(url_for("photos.photo_set", set_id=set_id, page=page, _anchor=anchor), code=303)


def flash_refusal(error: Problem) -> None:
    flash(form_problem(error).message, "error")


def photo_form_fields(form: Any, errors: dict[str, str]) -> PhotoFields:
    """The photo's fields as the set page's upload and the edit page post them."""
    if form.get("placement", "") not in PLACEMENTS:
        errors["placement"] = "請選擇室內或室外"
    if form.get("orientation", "") not in ORIENTATIONS:
        errors["orientation"] = "請選擇橫向或直立"
    views = [v for v in form.getlist("views")]
    if any(v not in VIEWS for v in views):
        errors["views"] = "拍攝內容欄位不正確"
    return PhotoFields(
        placement=PLACEMENTS.get(form.get("placement", ""), pb.PLACEMENT_UNSPECIFIED),
        orientation=ORIENTATIONS.get(form.get("orientation", ""), pb.ORIENTATION_UNSPECIFIED),
        auction_target=form.get("auction_target", "").strip(),
        description=form.get("description", "").strip(),
        remark=form.get("remark", "").strip(),
        sequence=form_int(form, "sequence", errors),
        views=[VIEWS[v] for v in views if v in VIEWS],
    )


@bp.post("/sets/<set_id>/upload")
@login_required("firm")
def upload(set_id: str) -> Any:
    """One file of the page's drop zone (XHR); answers JSON so the page goes on with the
    next file whatever happened to this one."""
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return invalid({"file": "請選擇要上傳的照片"}, "請選擇要上傳的照片").response()
    errors: dict[str, str] = {}
    fields = photo_form_fields(request.form, errors)
    try:
        version = int32(request.form.get("expected_version", ""))
    except ValueError:
        errors["expected_version"] = "網頁資料不完整，請重新整理頁面後再試"
    if errors:
        return invalid(errors, "照片資料有誤").response()
    try:
        photo = photos().upload_photo(
            token(),
            set_id,
            fields,
            content=upload_file.stream,
            filename=upload_file.filename,
            version=version,
        )
        # The page uploads one file after the other, each with the version the last
        # one left; this read tells it that version and where the new photo is listed.
        after = photos().set_header(token(), set_id)
    except Problem as error:
        return error.response()
    return jsonify(
        photo=photo_json(photo),
        version=after.version,
        status=STATUS_CLASSES.get(after.status, ""),
        last_page=max(1, -(-after.photo_count // PAGE_SIZE)),
    ), 201


@bp.post("/sets/<set_id>/property-type")
@login_required("firm")
def set_property_type(set_id: str) -> Any:
    name = request.form.get("property_type", "")
    if name not in PROPERTY_TYPES:
        abort(400, description="請選擇標的類型")
    try:
        photos().set_property_type(token(), set_id, PROPERTY_TYPES[name], expected_version())
        flash(f"已將標的類型設為「{PROPERTY_TYPE_LABELS[name]}」。", "ok")
    except Problem as error:
        flash_refusal(error)
    return back_to_set(set_id, anchor="checklist")


@bp.post("/sets/<set_id>/move")
@login_required("firm")
def move(set_id: str) -> Any:
    """Move one photo a place up or down (序號 ±1) across page boundaries too."""
    photo_id = request.form.get("photo_id", "")
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    version = expected_version()
    order = [p.id for p in photos().get_set(token(), set_id).photos]
    if photo_id not in order:
        abort(404)
    index = order.index(photo_id)
    target = index + step
    if not 0 <= target < len(order):
        return back_to_set(set_id)
    order[index], order[target] = order[target], order[index]
    try:
        photos().reorder(token(), set_id, order, version)
    except Problem as error:
        flash_refusal(error)
        return back_to_set(set_id)
    flash(f"已將序號 {index + 1} 的照片移至序號 {target + 1}。", "ok")
    return back_to_set(set_id, page=target // PAGE_SIZE + 1, anchor=f"photo-{photo_id}")


@bp.post("/sets/<set_id>/print")
@login_required("firm")
def print_set(set_id: str) -> Any:
    try:
        printed = photos().print_set(token(), set_id, expected_version())
    except Problem as error:
        flash_refusal(error)
        return back_to_set(set_id, anchor="print")
    flash(f"已列印並送交法院審核（共 {printed.pages} 頁）。", "ok")
    flash(printed.report_url, "report")
    return back_to_set(set_id, anchor="print")


# -- 維護未通過審核照片 ------------------------------------------------------------------------


@bp.get("/rejected")
@login_required("firm")
def rejected() -> Any:
    listing = photos().list_sets(
        token(),
        statuses=[pb.PHOTO_SET_STATUS_REJECTED],
        page=page_number(request.args.get("page")),
        page_size=SETS_PAGE_SIZE,
    )
    return render_template("photos/rejected.html", listing=listing)

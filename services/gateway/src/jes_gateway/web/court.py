"""Court staff pages: the review queue and decisions, firm applications, the audit log.

Every call carries the clerk's own token, so review-workflow and photo-storage decide what
the clerk may see (their own court; an admin any court).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import grpc
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from google.protobuf.timestamp_pb2 import Timestamp
from werkzeug.datastructures import MultiDict

from jes.audit.v1 import audit_pb2
from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2
from jes.review_workflow.v1 import review_workflow_pb2
from jes_gateway.context import gateway
from jes_gateway.web.forms import FormProblem, form_problem, page_count, page_number
from jes_gateway.web.session import WebUser, login_required, require_user
from jes_zhtw import COURTS, format_roc_date_short, to_taipei

bp = Blueprint("court", __name__, url_prefix="/court")

PAGE_SIZE = 20
COURT_NAMES = {court.code: court.name for court in COURTS}

# Queue filter: URL value -> (review-workflow state, zh-TW label). Pending is the default.
SUBMISSION_STATES = {
    "pending": ("pending", "待審核"),
    "approved": ("approved", "已通過"),
    "rejected": ("rejected", "未通過"),
    "withdrawn": ("withdrawn", "已撤回"),
    "all": ("", "全部"),
}
STATE_LABELS = {state: label for state, label in SUBMISSION_STATES.values() if state}

APPLICATION_STATUS_LABELS = {
    identity_pb2.APPLICATION_STATUS_PENDING: "待審核",
    identity_pb2.APPLICATION_STATUS_ACTIVATED: "已開通",
    identity_pb2.APPLICATION_STATUS_REFUSED: "不予開通",
}

PLACEMENT_LABELS = {
    photo_storage_pb2.PLACEMENT_INDOOR: "室內",
    photo_storage_pb2.PLACEMENT_OUTDOOR: "室外",
}
ORIENTATION_LABELS = {
    photo_storage_pb2.ORIENTATION_LANDSCAPE: "橫向",
    photo_storage_pb2.ORIENTATION_PORTRAIT: "直立",
}
CHANGE_LABELS = {
    "added": "新增",
    "removed": "刪除",
    "modified": "修改",
    "image_replaced": "更換照片",
    "moved": "調整順序",
}

ACTION_LABELS = {
    "submission.approved": "審核通過",
    "submission.rejected": "審核不通過",
    "firm_application.activated": "開通鑑估價公司帳號",
    "firm_application.refused": "不予開通帳號申請",
    "account.created": "建立帳號",
    "account.updated": "修改帳號資料",
    "account.password_set": "設定密碼",
    "account.password_changed": "變更密碼",
    "photo_set.updated": "修改案件資料",
    "photo_set.printed": "列印送審",
    "photo_set.reordered": "調整照片順序",
    "photo_set.approved": "審核通過（案件鎖定）",
    "photo_set.rejected": "審核不通過",
    "photo.uploaded": "新增照片",
    "photo.updated": "修改照片資料",
    "photo.image_replaced": "更換照片",
    "photo.deleted": "刪除照片",
}
SUBJECT_LABELS = {
    "submission": "審核案件",
    "firm_application": "帳號申請",
    "photo_set": "照片案件",
    "photo": "照片",
    "account": "帳號",
}
ROLE_LABELS = {"clerk": "書記官", "admin": "系統管理者", "firm": "鑑估價公司", "service": "系統"}
# Field names inside the audit log's before/after snapshots, for people.
FIELD_LABELS = {
    "status": "狀態",
    "state": "狀態",
    "reason": "理由",
    "reasons": "照片退回理由",
    "rejections": "照片退回理由",
    "note": "整體說明",
    "account_id": "帳號",
    "company_name": "公司名稱",
    "email": "電子郵件",
    "phone": "電話",
    "display_name": "名稱",
    "contact_person": "聯絡人",
    "decided_by": "決定者",
    "decided_at": "決定時間",
    "case_number": "案號",
    "batch": "批次",
    "sequence": "序號",
    "placement": "室內/室外",
    "orientation": "橫向/直立",
    "auction_target": "拍賣標的",
    "description": "說明",
    "remark": "備註",
    "views": "拍攝內容",
    "property_type": "物件類型",
    "pages": "報告頁數",
    "photo_count": "照片張數",
    "width": "寬（像素）",
    "height": "高（像素）",
}
# Identifiers and hashes: true, but noise to a reviewer reading the history.
HIDDEN_FIELDS = frozenset(
    {
        "id",
        "photo_id",
        "photo_ids",
        "photo_set_id",
        "sha256",
        "thumbnail_key",
        "fingerprint",
        "report_id",
        "decision_id",
        "version",
        "link",
        # who and when are the entry's own actor and time
        "decided_by",
        "decided_at",
        "reviewer_account_id",
    }
)
VALUE_LABELS = {
    "pending": "待審核",
    "approved": "已通過",
    "rejected": "未通過",
    "withdrawn": "已撤回",
    "activated": "已開通",
    "refused": "不予開通",
    "draft": "未列印",
    "submitted": "已送審",
    "changed_since_print": "列印後已修改",
    "indoor": "室內",
    "outdoor": "室外",
    "landscape": "橫向",
    "portrait": "直立",
}


@bp.app_template_filter("roc_short")
def roc_short(value: Timestamp) -> str:
    """``115/11/22 09:49`` (Taipei time): the compact form for table columns."""
    if not value.seconds and not value.nanos:
        return ""
    local = to_taipei(value.ToDatetime(tzinfo=UTC))
    return f"{format_roc_date_short(local)} {local:%H:%M}"


def court_name(code: str) -> str:
    return COURT_NAMES.get(code, code)


def court_filter(user: WebUser) -> str:
    """Admins may narrow a listing to one court; a clerk always sees their own."""
    if not user.has_role("admin"):
        return ""
    code = request.args.get("court", "").strip().upper()
    return code if code in COURT_NAMES else ""


# -- review queue -------------------------------------------------------------------------


@bp.get("/reviews")
@login_required("clerk", "admin")
def reviews() -> Any:
    user = require_user()
    state = request.args.get("state", "pending")
    if state not in SUBMISSION_STATES:
        state = "pending"
    court = court_filter(user)
    reply = gateway().services.reviews.call(
        "ListSubmissions",
        review_workflow_pb2.ListSubmissionsRequest(
            court_code=court,
            state=SUBMISSION_STATES[state][0],
            page=page_number(request.args.get("page")),
            page_size=PAGE_SIZE,
        ),
        token=user.token,
    )
    return render_template(
        "court/reviews.html",
        submissions=reply.submissions,
        total=reply.total,
        page=reply.page or 1,
        pages=reply.page_count or page_count(reply.total, PAGE_SIZE),
        state=state,
        states=SUBMISSION_STATES,
        state_labels=STATE_LABELS,
        court=court,
        courts=COURTS,
        court_name=court_name,
    )


@dataclass
class ReviewView:
    """Everything the review page shows about one submission."""

    submission: review_workflow_pb2.Submission
    photo_set: photo_storage_pb2.PhotoSet
    current_print: photo_storage_pb2.PrintRecord | None
    earlier_prints: list[photo_storage_pb2.PrintRecord]
    changes: list[photo_storage_pb2.PhotoChange]
    history: list[audit_pb2.AuditEntry]
    reasons: list[review_workflow_pb2.RejectionReason]


def load_review(user: WebUser, submission_id: str) -> ReviewView:
    services = gateway().services
    try:
        submission = services.reviews.call(
            "GetSubmission",
            review_workflow_pb2.GetSubmissionRequest(submission_id=submission_id),
            token=user.token,
        )
    except grpc.RpcError as error:
        # Another court's submission is simply not there for this clerk.
        if isinstance(error, grpc.Call) and error.code() in (
            grpc.StatusCode.NOT_FOUND,
            grpc.StatusCode.PERMISSION_DENIED,
        ):
            abort(404, description="查無此審核案件")
        raise
    set_id = submission.photo_set_id
    photo_set = services.photos.call(
        "GetPhotoSet", photo_storage_pb2.GetPhotoSetRequest(photo_set_id=set_id), token=user.token
    )
    prints = services.photos.call(
        "ListPrints", photo_storage_pb2.ListPrintsRequest(photo_set_id=set_id), token=user.token
    ).prints
    current = next((p for p in prints if p.fingerprint == submission.fingerprint), None)
    changes = []
    if submission.previous_rejected_fingerprint:
        changes = list(
            services.photos.call(
                "DiffPrints",
                photo_storage_pb2.DiffPrintsRequest(
                    photo_set_id=set_id,
                    from_fingerprint=submission.previous_rejected_fingerprint,
                    to_fingerprint=submission.fingerprint,
                ),
                token=user.token,
            ).changes
        )
    history = services.photos.call(
        "GetPhotoSetHistory",
        photo_storage_pb2.GetPhotoSetHistoryRequest(photo_set_id=set_id),
        token=user.token,
    ).entries
    reasons = services.reviews.call(
        "ListRejectionReasons", review_workflow_pb2.ListRejectionReasonsRequest(), token=user.token
    ).reasons
    return ReviewView(
        submission=submission,
        photo_set=photo_set,
        current_print=current,
        earlier_prints=[p for p in prints if p is not current],
        changes=changes,
        history=list(history),
        reasons=list(reasons),
    )


def review_page(
    submission_id: str,
    problem: FormProblem | None = None,
    form: MultiDict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Any:
    user = require_user()
    view = load_review(user, submission_id)
    page = render_template(
        "court/review.html",
        view=view,
        submission=view.submission,
        photo_set=view.photo_set,
        problem=problem,
        form=form or MultiDict(),
        errors=errors or {},
        state_labels=STATE_LABELS,
        court_name=court_name,
        placement_labels=PLACEMENT_LABELS,
        orientation_labels=ORIENTATION_LABELS,
        change_labels=CHANGE_LABELS,
        history=[readable_entry(e) for e in view.history],
        decided_reasons={r.photo_id: r for r in view.submission.reasons},
    )
    return (page, problem.status) if problem else page


@bp.get("/reviews/<submission_id>")
@login_required("clerk", "admin")
def review(submission_id: str) -> Any:
    return review_page(submission_id)


def posted_reasons(form: MultiDict[str, str]) -> list[review_workflow_pb2.PhotoReason]:
    """One reason per photo the reviewer gave a reason code or text for, in photo order."""
    reasons = []
    for photo_id in form.getlist("photo_id"):
        code = form.get(f"reason_code-{photo_id}", "").strip()
        text = form.get(f"reason_text-{photo_id}", "").strip()
        if not code and not text:
            continue
        try:
            sequence = int(form.get(f"sequence-{photo_id}", "0"))
        except ValueError:
            sequence = 0
        reasons.append(
            review_workflow_pb2.PhotoReason(
                photo_id=photo_id, sequence=sequence, reason_code=code, text=text
            )
        )
    return reasons


def reason_errors(
    fields: dict[str, str], reasons: list[review_workflow_pb2.PhotoReason]
) -> dict[str, str]:
    """review-workflow names fields `reasons[i].text`; the page shows them by photo."""
    errors = {}
    for name, message in fields.items():
        if name.startswith("reasons[") and "]." in name:
            index, _, part = name.removeprefix("reasons[").partition("].")
            if index.isdigit() and int(index) < len(reasons):
                key = "reason_text" if part == "text" else "reason_code"
                errors[f"{key}-{reasons[int(index)].photo_id}"] = message
                continue
        errors[name] = message
    return errors


@bp.post("/reviews/<submission_id>/decision")
@login_required("clerk", "admin")
def decide(submission_id: str) -> Any:
    user = require_user()
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        abort(400, description="請選擇通過或不通過")
    approve = decision == "approve"
    reasons = [] if approve else posted_reasons(request.form)
    try:
        submission = gateway().services.reviews.call(
            "DecideSubmission",
            review_workflow_pb2.DecideSubmissionRequest(
                submission_id=submission_id,
                approve=approve,
                reasons=reasons,
                note=request.form.get("note", "").strip(),
            ),
            token=user.token,
        )
    except grpc.RpcError as error:
        problem = form_problem(error)
        errors = reason_errors(problem.fields, reasons)
        return review_page(submission_id, problem, request.form, errors)
    case = f"{submission.case_number} 批次 {submission.batch}"
    if approve:
        flash(f"{case} 已審核通過，系統已通知鑑估價公司。", "ok")
    else:
        flash(f"{case} 已審核不通過，系統已將理由通知鑑估價公司。", "ok")
    return redirect(url_for("court.reviews"))


# -- firm applications --------------------------------------------------------------------


def applications_page(
    problem: FormProblem | None = None, problem_for: str = "", reason: str = ""
) -> Any:
    user = require_user()
    reply = gateway().services.identity.call(
        "ListFirmApplications",
        identity_pb2.ListFirmApplicationsRequest(court_code=court_filter(user)),
        token=user.token,
    )
    pending = [a for a in reply.applications if a.status == identity_pb2.APPLICATION_STATUS_PENDING]
    decided = sorted(
        (a for a in reply.applications if a.status != identity_pb2.APPLICATION_STATUS_PENDING),
        key=lambda a: a.decided_at.seconds,
        reverse=True,
    )
    page = render_template(
        "court/applications.html",
        pending=pending,
        decided=decided,
        status_labels=APPLICATION_STATUS_LABELS,
        court_name=court_name,
        problem=problem,
        problem_for=problem_for,
        reason=reason,
        show_court=user.has_role("admin"),
    )
    return (page, problem.status) if problem else page


@bp.get("/applications")
@login_required("clerk", "admin")
def applications() -> Any:
    return applications_page()


@bp.post("/applications/<application_id>/decision")
@login_required("clerk", "admin")
def decide_application(application_id: str) -> Any:
    user = require_user()
    decision = request.form.get("decision", "")
    if decision not in ("activate", "refuse"):
        abort(400, description="請選擇開通或不予開通")
    approve = decision == "activate"
    reason = "" if approve else request.form.get("reason", "").strip()
    try:
        reply = gateway().services.reviews.call(
            "DecideFirmApplication",
            review_workflow_pb2.DecideFirmApplicationRequest(
                application_id=application_id, approve=approve, reason=reason
            ),
            token=user.token,
        )
    except grpc.RpcError as error:
        return applications_page(form_problem(error), application_id, reason)
    if approve:
        flash(f"已開通帳號 {reply.account_id}，系統已寄出帳號及設定密碼連結給申請人。", "ok")
    else:
        flash("已決定不予開通，系統已將理由通知申請人。", "ok")
    return redirect(url_for("court.applications"))


# -- audit log ----------------------------------------------------------------------------


@dataclass
class ChangedField:
    label: str
    before: str
    after: str


@dataclass
class ReadableEntry:
    entry: audit_pb2.AuditEntry
    action: str
    subject: str
    actor: str
    role: str
    changes: list[ChangedField]


def readable_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return VALUE_LABELS.get(value, value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return "；".join(readable_item(item) for item in value)  # e.g. reasons per photo
    if isinstance(value, list):
        return "、".join(readable_value(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def readable_item(item: dict[str, Any]) -> str:
    """One photo's rejection reason: 序號 2 照片模糊不清：門牌看不清楚."""
    words = [f"序號 {item['sequence']}"] if item.get("sequence") else []
    words += [str(item[k]) for k in ("label", "reason", "text") if item.get(k)]
    return " ".join(words) or json.dumps(item, ensure_ascii=False)


def snapshot(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"": raw}
    return value if isinstance(value, dict) else {"": value}


def readable_entry(entry: audit_pb2.AuditEntry) -> ReadableEntry:
    """An audit entry for people: labels in zh-TW, only the fields that changed."""
    before, after = snapshot(entry.before_json), snapshot(entry.after_json)
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old = readable_value(before.get(key))
        new = readable_value(after.get(key))
        if key not in HIDDEN_FIELDS and old != new:  # "" and missing both read "—": no change
            changes.append(ChangedField(FIELD_LABELS.get(key, key), old, new))
    role = ROLE_LABELS.get(entry.actor_role, entry.actor_role)
    # A case number or company name says more than the subject's id.
    subject_name = next(
        (
            str(snap[key])
            for key in ("case_number", "company_name", "account_id")
            for snap in (after, before)
            if snap.get(key)
        ),
        entry.subject_id,
    )
    return ReadableEntry(
        entry=entry,
        action=ACTION_LABELS.get(entry.action, entry.action),
        subject=f"{SUBJECT_LABELS.get(entry.subject_type, entry.subject_type)} {subject_name}",
        actor=entry.actor_account_id,
        role=role,
        changes=changes,
    )


@bp.get("/audit")
@login_required("clerk", "admin")
def audit() -> Any:
    user = require_user()
    page = page_number(request.args.get("page"))
    court = court_filter(user)
    reply = gateway().services.reviews.call(
        "ListAuditEntries",
        review_workflow_pb2.ListAuditEntriesRequest(
            court_code=court, page=page, page_size=PAGE_SIZE
        ),
        token=user.token,
    )
    return render_template(
        "court/audit.html",
        entries=[readable_entry(e) for e in reply.entries],
        total=reply.total,
        page=page,
        pages=page_count(reply.total, PAGE_SIZE),
        court=court,
        courts=COURTS,
        court_name=court_name,
    )

"""Court staff pages: the review queue and decisions, firm applications, the audit log.

Every call carries the clerk's own token, so review-workflow and photo-storage decide what
the clerk may see (their own court; an admin any court).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.context import gateway
from jes_gateway.facades import QueueSearch, ReasonInput
from jes_gateway.presentation.courts import COURT_NAMES, court_name
from jes_gateway.presentation.numbers import int32
from jes_gateway.presentation.vocabulary import APPLICATION_STATUS_LABELS, labels_by_value
from jes_gateway.problems import Problem
from jes_gateway.web.audit_view import readable_entry
from jes_gateway.web.forms import form_problem, page_count, page_number
from jes_gateway.web.session import WebUser, login_required, require_user
from jes_zhtw import PHOTO_SYSTEM_COURTS

bp = Blueprint("court", __name__, url_prefix="/court")

PAGE_SIZE = 20

# Queue filter: URL value -> (review-workflow state, zh-TW label). Pending is the default.
SUBMISSION_STATES = {
    "pending": ("pending", "待審核"),
    "deciding": ("deciding", "決定處理中"),
    "approved": ("approved", "已通過"),
    "rejected": ("rejected", "未通過"),
    "withdrawn": ("withdrawn", "已撤回"),
    "not_applied": ("not_applied", "決定未能執行"),
    "all": ("", "全部"),
}
STATE_LABELS = {state: label for state, label in SUBMISSION_STATES.values() if state}

# The queue's search fields (query string) and its orders: URL value -> label.
QUEUE_SEARCH = ("case_number", "division", "firm", "sort")
QUEUE_SORTS = {"": "最新送審在前", "waiting": "等候最久在前"}

# By value, as the review page reads them from the set's photos.
PLACEMENT_LABELS = labels_by_value(photo_storage_pb2.Placement)
ORIENTATION_LABELS = labels_by_value(photo_storage_pb2.Orientation)
CHANGE_LABELS = {
    "added": "新增",
    "removed": "刪除",
    "modified": "修改",
    "image_replaced": "更換照片",
    "moved": "調整順序",
}


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
    search = {name: request.args.get(name, "").strip()[:100] for name in QUEUE_SEARCH}
    if search["sort"] not in QUEUE_SORTS:
        search["sort"] = ""
    reply = gateway().services.reviews.submissions(
        user.token,
        court_code=court,
        state=SUBMISSION_STATES[state][0],
        page=page_number(request.args.get("page")),
        page_size=PAGE_SIZE,
        search=QueueSearch(**search),
    )
    return render_template(
        "court/reviews.html",
        search=search,
        sorts=QUEUE_SORTS,
        searching=any(search[name] for name in ("case_number", "division", "firm")),
        submissions=reply.submissions,
        total=reply.total,
        page=reply.page or 1,
        pages=reply.page_count or page_count(reply.total, PAGE_SIZE),
        state=state,
        states=SUBMISSION_STATES,
        state_labels=STATE_LABELS,
        court=court,
        courts=PHOTO_SYSTEM_COURTS,
        court_name=court_name,
    )


def review_page(
    submission_id: str,
    problem: Problem | None = None,
    form: MultiDict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Any:
    user = require_user()
    court_reviews = gateway().services.court_reviews
    try:
        view = court_reviews.bundle(user.token, submission_id)
    except Problem as error:
        # Another court's submission is simply not there for this clerk.
        if error.status in (403, 404):
            abort(404, description="查無此審核案件")
        raise
    history = court_reviews.history(user.token, view.photo_set.id)
    current = view.current_print
    page = render_template(
        "court/review.html",
        current_print=current,
        earlier_prints=[p for p in view.prints if p is not current],
        changes=view.changes_since_rejection,
        reasons=court_reviews.reviews.rejection_reasons(user.token),
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
        history=[readable_entry(e) for e in history],
        decided_reasons={r.photo_id: r for r in view.submission.reasons},
        previous_reasons=view.previous_reasons,
        replaced={
            c.photo_id: c for c in view.changes_since_rejection if c.change == "image_replaced"
        },
    )
    return (page, problem.status) if problem else page


@bp.get("/reviews/<submission_id>")
@login_required("clerk", "admin")
def review(submission_id: str) -> Any:
    return review_page(submission_id)


def posted_reasons(form: MultiDict[str, str]) -> list[ReasonInput]:
    """One reason per photo the reviewer gave a reason code or text for, in photo order."""
    reasons = []
    for photo_id in form.getlist("photo_id"):
        code = form.get(f"reason_code-{photo_id}", "").strip()
        text = form.get(f"reason_text-{photo_id}", "").strip()
        if not code and not text:
            continue
        try:
            sequence = int32(form.get(f"sequence-{photo_id}", "0"))
        except ValueError:
            sequence = 0
        reasons.append(ReasonInput(photo_id, sequence, code, text))
    return reasons


def reason_errors(fields: dict[str, str], reasons: list[ReasonInput]) -> dict[str, str]:
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
        submission = gateway().services.reviews.decide_submission(
            user.token,
            submission_id,
            approve=approve,
            reasons=reasons,
            note=request.form.get("note", "").strip(),
        )
    except Problem as error:
        problem = form_problem(error)
        errors = reason_errors(problem.fields, reasons)
        return review_page(submission_id, problem, request.form, errors)
    case = f"{submission.case_number} 批次 {submission.batch}"
    if submission.state == "deciding":
        # Recorded; review-workflow carries it out by itself (photo-storage is away).
        decided = "審核通過" if approve else "審核不通過"
        flash(f"{case} 已記錄{decided}的決定，系統正在處理，完成後會通知鑑估價公司。", "ok")
    elif approve:
        flash(f"{case} 已審核通過，系統已通知鑑估價公司。", "ok")
    else:
        flash(f"{case} 已審核不通過，系統已將理由通知鑑估價公司。", "ok")
    return redirect(url_for("court.reviews"))


# -- firm applications --------------------------------------------------------------------


def applications_page(
    problem: Problem | None = None, problem_for: str = "", reason: str = ""
) -> Any:
    user = require_user()
    applications = gateway().services.identity.firm_applications(
        user.token, court_code=court_filter(user)
    )
    pending = [a for a in applications if a.status == identity_pb2.APPLICATION_STATUS_PENDING]
    decided = sorted(
        (a for a in applications if a.status != identity_pb2.APPLICATION_STATUS_PENDING),
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
        reply = gateway().services.reviews.decide_firm_application(
            user.token, application_id, approve=approve, reason=reason
        )
    except Problem as error:
        return applications_page(form_problem(error), application_id, reason)
    if reply.state == "deciding":
        flash("已記錄決定，系統正在處理，完成後會通知申請人。", "ok")
    elif approve:
        flash(f"已開通帳號 {reply.account_id}，系統已寄出帳號及設定密碼連結給申請人。", "ok")
    else:
        flash("已決定不予開通，系統已將理由通知申請人。", "ok")
    return redirect(url_for("court.applications"))


# -- audit log ----------------------------------------------------------------------------


@bp.get("/audit")
@login_required("clerk", "admin")
def audit() -> Any:
    user = require_user()
    page = page_number(request.args.get("page"))
    court = court_filter(user)
    reply = gateway().services.reviews.audit_entries(
        user.token, court_code=court, page=page, page_size=PAGE_SIZE
    )
    return render_template(
        "court/audit.html",
        entries=[readable_entry(e) for e in reply.entries],
        total=reply.total,
        page=page,
        pages=page_count(reply.total, PAGE_SIZE),
        court=court,
        courts=PHOTO_SYSTEM_COURTS,
        court_name=court_name,
    )

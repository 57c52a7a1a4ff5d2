"""An assigned appraiser's deadlines as pages (seed 003 points 9 and 12 (五)).

- `/appraisers/work` (the division: clerks, judicial affairs officers, the records chief,
  the chief judge, admins): overdue rows first, then every row with its last day; the
  clerk records a notice, a reminder, a reply and an error found in a report.
- `/appraisers/my-work` (an appraiser): their own rows and the disqualification matters
  about them (each linked to its reply page); they record that the party paid
  (the report's period starts) or report that it did not, and submit the report
  (`/appraisers/my-work/<assignment>/report`: the A4 PDF, its fields, each item answered).
- `/appraisers/reports` (the division): the reports received, with download links.

Every call carries the person's token: review-workflow decides what they may see."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.facades import FeeInput, FeeItemInput, ReportSubmission
from jes_gateway.presentation.appraisal_work import (
    REPORT_ITEM_ANSWERS,
    report_json,
    work_item_json,
)
from jes_gateway.presentation.appraiser_applications import matter_json
from jes_gateway.presentation.courts import court_name
from jes_gateway.presentation.vocabulary import (
    APPRAISER_CATEGORIES,
    APPRAISER_CATEGORY_LABELS,
    FEE_ITEM_KIND_LABELS,
    FEE_ITEM_KINDS,
)
from jes_gateway.problems import Problem
from jes_gateway.web.appraisers import court_of
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import login_required, require_user
from jes_zhtw import COURTS

bp = Blueprint("appraisal_work", __name__, url_prefix="/appraisers")

DIVISION = ("clerk", "judicial-officer", "records-chief", "chief-judge", "admin")
RECORDERS = ("clerk", "judicial-officer")
AMOUNT_PROBLEM = "請輸入繳納金額（正整數）"


def _form(*names: str) -> dict[str, str]:
    return {n: request.form.get(n, "").strip()[:500] for n in names}


def division_page(problem: Problem | None = None, form: dict[str, str] | None = None) -> Any:
    user = require_user()
    if form is None:
        # from the assignment just made (/appraisers/): its id in every form
        chosen = request.args.get("assignment", "").strip()[:36]
        form = dict.fromkeys(("fee_assignment_id", "assignment_id", "error_assignment_id"), chosen)
    court = court_of(user)
    rows: list[dict[str, Any]] = []
    as_of = ""
    if court:
        listed = gateway().services.appraisal_work.items(user.token, court)
        rows = [work_item_json(i) for i in listed.items]
        as_of = listed.as_of
    rules = gateway().services.appraisers.rules(user.token, court) if court else None
    return render_template(
        "appraisers/work.html",
        fee_kinds=FEE_ITEM_KIND_LABELS,
        travel_groups=rules.travel_groups if rules else [],
        court=court,
        courts=COURTS,
        court_name=court_name,
        overdue=[r for r in rows if r["state"] == "overdue"],
        rows=rows,
        as_of=as_of,
        may_record=user.has_role(*RECORDERS),
        problem=problem,
        form=form or {},
    ), (problem.status if problem else 200)


@bp.get("/work")
@login_required(*DIVISION)
def division() -> Any:
    return division_page()


def _recorded(call: Any, form: dict[str, str], done: str) -> Any:
    try:
        call()
    except Problem as error:
        return division_page(form_problem(error), form)
    flash(done, "info")
    user = require_user()
    court = court_of(user) if user.has_role("admin") else None
    return redirect(url_for("appraisal_work.division", court=court))


@bp.post("/work/fee-orders")
@login_required(*RECORDERS)
def order_fee() -> Any:
    """The division orders the paying party to pay (five days)."""
    user = require_user()
    form = _form("fee_assignment_id", "ordered_on", "fee_kind", "fee_count", "travel_group")
    errors = {}
    if not form["fee_assignment_id"]:
        errors["fee_assignment_id"] = "請填寫選任紀錄代號"
    kind = FEE_ITEM_KINDS.get(form["fee_kind"])
    if kind is None:
        errors["fee_kind"] = "請選擇鑑定標的種類"
    count = form["fee_count"] or "1"
    if not count.isdigit() or len(count) > 6 or int(count) < 1:
        errors["fee_count"] = "請輸入 1 以上的整數"
    if errors or kind is None:
        return division_page(invalid(errors), form)
    fee = FeeInput(
        items=[FeeItemInput(kind, int(count))],
        travel_group=form["travel_group"],
        approved=request.form.get("approved") == "1",
    )
    work = gateway().services.appraisal_work
    return _recorded(
        lambda: work.order_fee(user.token, form["fee_assignment_id"], form["ordered_on"], fee),
        form,
        "已命繳納鑑定費用",
    )


@bp.post("/work/notices")
@login_required(*RECORDERS)
def record_notice() -> Any:
    user = require_user()
    form = _form("assignment_id", "received_on", "subject")
    errors = {}
    if not form["assignment_id"]:
        errors["assignment_id"] = "請填寫選任紀錄代號"
    if not form["subject"]:
        errors["subject"] = "請填寫通知事項"
    if errors:
        return division_page(invalid(errors), form)
    work = gateway().services.appraisal_work
    return _recorded(
        lambda: work.record_notice(
            user.token, form["assignment_id"], form["received_on"], form["subject"]
        ),
        form,
        "已登錄本院通知",
    )


@bp.post("/work/<notice_id>/reminder")
@login_required(*RECORDERS)
def record_reminder(notice_id: str) -> Any:
    user = require_user()
    form = _form("received_on")
    work = gateway().services.appraisal_work
    return _recorded(
        lambda: work.record_reminder(user.token, notice_id, form["received_on"]),
        form,
        "已登錄本院函催",
    )


@bp.post("/work/<notice_id>/reply")
@login_required(*RECORDERS)
def record_reply(notice_id: str) -> Any:
    user = require_user()
    form = _form("replied_on")
    work = gateway().services.appraisal_work
    return _recorded(
        lambda: work.record_reply(user.token, notice_id, form["replied_on"]),
        form,
        "已登錄鑑定人回覆",
    )


@bp.post("/work/report-errors")
@login_required(*RECORDERS)
def record_report_error() -> Any:
    user = require_user()
    form = _form("error_assignment_id", "description", "found_on")
    errors = {}
    if not form["error_assignment_id"]:
        errors["error_assignment_id"] = "請填寫選任紀錄代號"
    if not form["description"]:
        errors["description"] = "請說明錯誤內容"
    if errors:
        return division_page(invalid(errors), form)
    work = gateway().services.appraisal_work
    return _recorded(
        lambda: work.record_report_error(
            user.token, form["error_assignment_id"], form["description"], form["found_on"]
        ),
        form,
        "已登錄鑑定書錯誤",
    )


# -- the appraiser's own ---------------------------------------------------------------


def my_page(problem: Problem | None = None, form: dict[str, str] | None = None) -> Any:
    user = require_user()
    rows: list[dict[str, Any]] = []
    missing = ""
    try:
        listed = gateway().services.appraisal_work.items(user.token)
        rows = [work_item_json(i) for i in listed.items]
    except Problem as error:
        if error.status != 404:
            raise
        missing = error.message
    # the disqualification matters about them (point 12), each linked to its reply page
    matters = [matter_json(m) for m in gateway().services.committee.matters(user.token)]
    return render_template(
        "appraisers/my_work.html",
        court_name=court_name,
        matters=matters,
        overdue=[r for r in rows if r["state"] == "overdue"],
        rows=rows,
        missing=missing,
        problem=problem,
        form=form or {},
    ), (problem.status if problem else 200)


@bp.get("/my-work")
@login_required("appraiser")
def mine() -> Any:
    return my_page()


@bp.post("/my-work/<assignment_id>/payment")
@login_required("appraiser")
def record_payment(assignment_id: str) -> Any:
    user = require_user()
    form = _form("paid_on", "amount", "zoning")
    form["assignment_id"] = assignment_id
    amount = form["amount"]
    if not amount.isdigit() or len(amount) > 9 or int(amount) < 1:
        return my_page(invalid({"amount": AMOUNT_PROBLEM}), form)
    try:
        gateway().services.appraisal_work.record_payment(
            user.token, assignment_id, form["paid_on"], int(amount), form["zoning"] == "1"
        )
    except Problem as error:
        return my_page(form_problem(error), form)
    flash("已登錄鑑定費用繳納，送交鑑定書的期限已列入", "info")
    return redirect(url_for("appraisal_work.mine"))


@bp.post("/my-work/<assignment_id>/non-payment")
@login_required("appraiser")
def report_non_payment(assignment_id: str) -> Any:
    user = require_user()
    form = _form("note")
    form["assignment_id"] = assignment_id
    try:
        gateway().services.appraisal_work.report_non_payment(
            user.token, assignment_id, form["note"]
        )
    except Problem as error:
        return my_page(form_problem(error), form)
    flash("已向承辦股陳報當事人未繳納鑑定費用", "info")
    return redirect(url_for("appraisal_work.mine"))


# -- the appraisal report ----------------------------------------------------------------

REPORT_FIELDS = (
    "report_date",
    "address",
    "phone",
    "total_fee",
    "photo_set_id",
    "fee_kind",
    "fee_count",
    "travel_group",
    "registry_parcels",
    "copies",
)
NUMBER_FIELDS = ("total_fee", "fee_count", "registry_parcels", "copies")


def report_page(
    assignment_id: str,
    category: str,
    problem: Problem | None = None,
    form: dict[str, Any] | None = None,
) -> Any:
    user = require_user()
    if category not in APPRAISER_CATEGORIES:
        abort(404)
    work = gateway().services.appraisal_work
    needed = work.report_requirements(user.token, APPRAISER_CATEGORIES[category])
    rules = gateway().services.appraisers.rules(user.token)
    warnings = (
        [m for f, m in sorted(problem.fields.items()) if f.startswith("warnings[")]
        if problem and problem.status == 409
        else []
    )
    return render_template(
        "appraisers/report.html",
        assignment_id=assignment_id,
        category=category,
        category_label=APPRAISER_CATEGORY_LABELS[category],
        needed=needed,
        travel_groups=rules.travel_groups,
        fee_kinds=FEE_ITEM_KIND_LABELS,
        problem=problem,
        warnings=warnings,
        form=form or {},
    ), (problem.status if problem else 200)


@bp.get("/my-work/<assignment_id>/report")
@login_required("appraiser")
def report_form(assignment_id: str) -> Any:
    return report_page(assignment_id, request.args.get("category", ""))


@bp.post("/my-work/<assignment_id>/report")
@login_required("appraiser")
def submit_report(assignment_id: str) -> Any:
    user = require_user()
    category = request.form.get("category", "")
    form: dict[str, Any] = _form(*REPORT_FIELDS)
    answers = {
        k.removeprefix("item-"): v
        for k, v in request.form.items()
        if k.startswith("item-") and v in REPORT_ITEM_ANSWERS
    }
    form["answers"] = answers
    errors: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for name in NUMBER_FIELDS:
        text = form[name] or ("1" if name == "fee_count" else "0")
        if not text.isdigit() or len(text) > 9:
            errors[name] = "請輸入 0 以上的整數"
        else:
            numbers[name] = int(text)
    kind = FEE_ITEM_KINDS.get(form["fee_kind"])
    if kind is None:
        errors["fee_kind"] = "請選擇鑑定標的種類"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        errors["file"] = "請選擇鑑定書 PDF 檔"
    if errors or kind is None or upload is None:
        return report_page(assignment_id, category, invalid(errors), form)
    submission = ReportSubmission(
        assignment_id=assignment_id,
        pdf=upload.stream.read(),
        report_date=form["report_date"],
        address=form["address"],
        phone=form["phone"],
        total_fee=numbers["total_fee"],
        answers=[(code, REPORT_ITEM_ANSWERS[a]) for code, a in answers.items()],
        photo_set_id=form["photo_set_id"],
        fee=FeeInput(
            items=[FeeItemInput(kind, max(1, numbers["fee_count"]))],
            registry_parcels=numbers["registry_parcels"],
            travel_group=form["travel_group"],
            copies=numbers["copies"],
        ),
        warnings_acknowledged=request.form.get("warnings_acknowledged") == "1",
    )
    try:
        gateway().services.appraisal_work.submit_report(user.token, submission)
    except Problem as error:
        return report_page(assignment_id, category, form_problem(error), form)
    flash("鑑定書已送交法院", "info")
    return redirect(url_for("appraisal_work.mine"))


@bp.get("/reports")
@login_required(*DIVISION)
def received_reports() -> Any:
    user = require_user()
    court = court_of(user)
    reports = (
        [report_json(r) for r in gateway().services.appraisal_work.reports(user.token, court)]
        if court
        else []
    )
    return render_template(
        "appraisers/reports.html",
        court=court,
        courts=COURTS,
        court_name=court_name,
        reports=reports,
    )

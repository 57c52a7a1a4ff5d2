"""The execution division's appraiser pages (seed 003): the fee calculator, asking for an
appraiser by rotation, the roster, and the rotation log with the fairness report.

Every call carries the person's own token: review-workflow decides what they may see and
do (their court; an admin chooses one)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from werkzeug.datastructures import MultiDict

from jes_gateway.context import gateway
from jes_gateway.facades import FeeInput, FeeItemInput
from jes_gateway.presentation.appraisers import (
    assignment_json,
    fairness_row_json,
    log_entry_json,
    roster_entry_json,
)
from jes_gateway.presentation.courts import COURT_NAMES, court_name
from jes_gateway.presentation.roc import roc_day
from jes_gateway.presentation.vocabulary import (
    APPRAISER_CATEGORIES,
    APPRAISER_CATEGORY_LABELS,
    FEE_ITEM_KIND_LABELS,
    FEE_ITEM_KINDS,
)
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import WebUser, login_required, require_user
from jes_zhtw import PHOTO_SYSTEM_COURTS, CaseNumberInvalid, read_case_number
from jes_zhtw.roc import to_taipei

bp = Blueprint("appraisers", __name__, url_prefix="/appraisers")

STAFF = ("clerk", "judicial-officer", "records-chief", "chief-judge", "committee-member", "admin")
ASSIGNERS = ("clerk", "judicial-officer")
FEE_FIELDS = ("kind", "count", "registry_parcels", "travel_group", "copies", "charged")
ASSIGN_FIELDS = ("category", "year", "word", "number", "division")
OFF_ROTATION_FIELDS = (*ASSIGN_FIELDS, "appraiser_id", "ground", "reason")
NUMBER_PROBLEM = "請輸入 0 以上的整數"


def court_of(user: WebUser) -> str:
    """A person's own court; an admin picks one (?court=)."""
    if not user.has_role("admin"):
        return user.court_code
    code = request.values.get("court", "").strip().upper()
    return code if code in COURT_NAMES else ""


def _number(form: MultiDict[str, str], name: str, errors: dict[str, str]) -> int:
    text = form.get(name, "").strip() or "0"
    if not text.isdigit() or len(text) > 9:
        errors[name] = NUMBER_PROBLEM
        return 0
    return int(text)


def fee_result(user: WebUser, court: str, form: MultiDict[str, str]) -> tuple[Any, Problem | None]:
    """The calculator's answer when its form was sent (kind chosen)."""
    if not form.get("kind"):
        return None, None
    errors: dict[str, str] = {}
    kind = FEE_ITEM_KINDS.get(form["kind"])
    if kind is None:
        errors["kind"] = "請選擇鑑定標的種類"
    numbers = {
        n: _number(form, n, errors) for n in ("count", "registry_parcels", "copies", "charged")
    }
    if errors or kind is None:
        return None, invalid(errors)
    fee = FeeInput(
        items=[FeeItemInput(kind, numbers["count"], form.get("adjoining") == "1")],
        registry_parcels=numbers["registry_parcels"],
        travel_group=form.get("travel_group", ""),
        copies=numbers["copies"],
        charged=numbers["charged"],
    )
    try:
        return gateway().services.appraisers.fee(user.token, court, fee), None
    except Problem as error:
        return None, form_problem(error)


def overview(
    assigned: Any = None, problem: Problem | None = None, form: dict[str, str] | None = None
) -> Any:
    user = require_user()
    court = court_of(user)
    appraisers = gateway().services.appraisers
    rules = appraisers.rules(user.token, court) if court else None
    fee_form = MultiDict({k: v for k, v in request.args.items() if k in (*FEE_FIELDS, "adjoining")})
    fee, fee_problem = fee_result(user, court, fee_form) if court else (None, None)
    rosters = (
        {
            name: [roster_entry_json(e) for e in appraisers.roster(user.token, court, value)]
            for name, value in APPRAISER_CATEGORIES.items()
        }
        if court
        else {}
    )
    return render_template(
        "appraisers/index.html",
        court=court,
        courts=PHOTO_SYSTEM_COURTS,
        court_name=court_name,
        rules=rules,
        fee=fee,
        fee_problem=fee_problem,
        fee_form=fee_form,
        fee_kinds=FEE_ITEM_KIND_LABELS,
        categories=APPRAISER_CATEGORY_LABELS,
        rosters=rosters,
        may_assign=user.has_role(*ASSIGNERS),
        may_approve=user.has_role("judicial-officer"),
        assigned=assigned,
        problem=problem,
        form=form or {},
    )


@bp.get("/")
@login_required(*STAFF)
def index() -> Any:
    return overview()


@bp.post("/assignments")
@login_required(*ASSIGNERS)
def assign() -> Any:
    user = require_user()
    form = {k: request.form.get(k, "").strip()[:100] for k in ASSIGN_FIELDS}
    errors: dict[str, str] = {}
    category = APPRAISER_CATEGORIES.get(form["category"])
    if category is None:
        errors["category"] = "請選擇鑑定類別"
    case = None
    try:
        case = read_case_number(form["year"], form["word"], form["number"])
        form.update(year=str(case.year), word=case.word, number=str(case.number))
    except CaseNumberInvalid as wrong:
        errors.update(wrong.fields)
    if errors or case is None or category is None:
        return overview(problem=invalid(errors), form=form), 400
    try:
        assigned = gateway().services.appraisers.assign(
            user.token, court_of(user), category, case.formal(), form["division"]
        )
    except Problem as error:
        problem = form_problem(error)
        return overview(problem=problem, form=form), problem.status
    return overview(assigned=assignment_json(assigned))


@bp.post("/off-rotation-assignments")
@login_required("judicial-officer")
def assign_off_rotation() -> Any:
    """The officer chooses an appraiser off the rotation, with one of the court's grounds
    (the officer's own decision is the approval)."""
    user = require_user()
    form = {k: request.form.get(k, "").strip()[:500] for k in OFF_ROTATION_FIELDS}
    errors: dict[str, str] = {}
    category = APPRAISER_CATEGORIES.get(form["category"])
    if category is None:
        errors["category"] = "請選擇鑑定類別"
    for name, missing in (("appraiser_id", "請選擇鑑定人"), ("ground", "請選擇不依輪次選任的事由")):
        if not form[name]:
            errors[name] = missing
    if not form["reason"]:
        errors["reason"] = "請填寫理由"
    case = None
    try:
        case = read_case_number(form["year"], form["word"], form["number"])
        form.update(year=str(case.year), word=case.word, number=str(case.number))
    except CaseNumberInvalid as wrong:
        errors.update(wrong.fields)
    if errors or case is None or category is None:
        return overview(problem=invalid(errors), form=form), 400
    try:
        assigned = gateway().services.appraisers.assign_off_rotation(
            user.token,
            court_of(user),
            category,
            case.formal(),
            form["division"],
            form["appraiser_id"],
            form["ground"],
            form["reason"],
        )
    except Problem as error:
        problem = form_problem(error)
        return overview(problem=problem, form=form), problem.status
    return overview(assigned=assignment_json(assigned))


@bp.get("/log")
@login_required(*STAFF)
def log() -> Any:
    user = require_user()
    court = court_of(user)
    today = to_taipei_today()
    start = request.args.get("start", "").strip() or today.replace(day=1).isoformat()
    end = request.args.get("end", "").strip() or today.isoformat()
    problem = None
    report = entries = None
    names: dict[str, str] = {}
    if court:
        appraisers = gateway().services.appraisers
        entries = appraisers.rotation_log(user.token, court)
        for value in APPRAISER_CATEGORIES.values():
            names.update({e.id: e.name for e in appraisers.roster(user.token, court, value)})
        try:
            report = appraisers.fairness(user.token, court, start, end)
        except Problem as error:
            problem = form_problem(error)
    return render_template(
        "appraisers/log.html",
        court=court,
        courts=PHOTO_SYSTEM_COURTS,
        court_name=court_name,
        start=start,
        end=end,
        problem=problem,
        chain_intact=entries.chain_intact if entries else True,
        broken_at=entries.broken_at if entries else 0,
        entries=[log_entry_json(e) for e in reversed(entries.entries)] if entries else [],
        rows=[fairness_row_json(r) for r in report.rows] if report else [],
        names=names,
    ), (problem.status if problem else 200)


def to_taipei_today() -> date:
    return to_taipei(datetime.now(UTC)).date()


FAIRNESS_COLUMNS = ("鑑定人", "類別", "依輪次選任", "跳過", "不依輪次選任", "撤換")


@bp.get("/log.pdf")
@login_required(*STAFF)
def fairness_pdf() -> Any:
    """The fairness report of a period as a PDF (searchable text), for the file."""
    user = require_user()
    court = court_of(user)
    if not court:
        abort(404)
    today = to_taipei_today()
    start = request.args.get("start", "").strip() or today.replace(day=1).isoformat()
    end = request.args.get("end", "").strip() or today.isoformat()
    appraisers = gateway().services.appraisers
    report = appraisers.fairness(user.token, court, start, end)
    rows = [fairness_row_json(r) for r in report.rows]
    pdf = appraisers.table_pdf(
        "鑑定人選任公平性報告",
        [court_name(court), f"期間：{roc_day(report.start)} 至 {roc_day(report.end)}"],
        FAIRNESS_COLUMNS,
        [
            [
                r["name"],
                r["category_label"],
                str(r["assigned"]),
                str(r["skipped"]),
                str(r["exceptions"]),
                str(r["replaced"]),
            ]
            for r in rows
        ],
        ["輪次紀錄雜湊鏈檢核：" + ("完整" if report.chain_intact else "不相符，紀錄可能遭竄改")],
    )
    response = Response(pdf, mimetype="application/pdf")
    name = f"fairness-{court}-{report.start}-{report.end}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

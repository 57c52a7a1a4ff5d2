"""案件進度查詢聲請核准: a clerk approves a litigant's follow application on a court page
(the court's own system usually tells case-sync itself). The case is the clerk's court's:
case-sync checks the clerk's token against the court named, records the approval in its
audit log, opens the applicant's account the first time and has notification mail them."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from jes.case_sync.v1 import cases_pb2
from jes_gateway.context import gateway
from jes_gateway.presentation.courts import court_name
from jes_gateway.presentation.vocabulary import labels_by_value
from jes_gateway.problems import Problem
from jes_gateway.web.court import bp
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import login_required, require_user
from jes_zhtw import CaseNumberInvalid, read_case_number

# juvenile cases are not covered (seed 002): case-sync refuses them, the form never offers them
CATEGORY_LABELS = {
    value: label
    for value, label in labels_by_value(cases_pb2.CaseCategory).items()
    if value != cases_pb2.CASE_CATEGORY_JUVENILE
}
ROLE_LABELS = labels_by_value(cases_pb2.FollowerRole)
FOLLOW_STATUS_LABELS = labels_by_value(cases_pb2.FollowStatus)
FIELDS = ("court_code", "category", "year", "word", "number", "email", "role")
OPTIONAL = ("applicant_name", "application_id")
# case-sync names the case's fields case.*; the form's boxes are these
SERVICE_FIELDS = {
    "case.court_code": "court_code",
    "case.category": "category",
    "case.number": "number",
    "case.word": "word",
}
LABELS = {
    "court_code": "法院",
    "category": "案類",
    "year": "年度",
    "word": "字別",
    "number": "號",
    "email": "電子郵件",
    "role": "聲請人身分",
    "applicant_name": "聲請人姓名",
    "application_id": "聲請書狀收文號",
}
MAX_TEXT = 300


def _form() -> dict[str, str]:
    return {name: request.form.get(name, "").strip()[:MAX_TEXT] for name in FIELDS + OPTIONAL}


def _choice(value: str, labels: dict[int, str]) -> int:
    return int(value) if value.isdigit() and int(value) in labels else 0


def read_follow_form(form: dict[str, str]) -> cases_pb2.CaseKey:
    """The case the clerk typed (jes_zhtw reads the number: a pasted 115年度訴字第12號 in
    any box); every wrong box at once. The court is what the form sent: case-sync refuses
    another court's case for this clerk."""
    errors: dict[str, str] = {}
    category = _choice(form["category"], CATEGORY_LABELS)
    if not category:
        errors["category"] = "請選擇案類"
    if not _choice(form["role"], ROLE_LABELS):
        errors["role"] = "請選擇聲請人身分"
    if not form["email"]:
        errors["email"] = "請輸入聲請狀上的電子郵件（以一組為限）"
    try:
        number = read_case_number(form["year"], form["word"], form["number"])
    except CaseNumberInvalid as wrong:
        errors.update(wrong.fields)
    else:
        form.update(year=str(number.year), word=number.word, number=str(number.number))
    if errors:
        raise invalid(errors, "聲請資料有誤，請依各欄位的說明修正")
    return cases_pb2.CaseKey(
        court_code=form["court_code"],
        category=category,  # type: ignore[arg-type]
        year=number.year,
        word=number.word,
        number=number.number,
    )


def follows_page(
    form: dict[str, str], problem: Problem | None = None, followers: Any = None, done: str = ""
) -> Any:
    user = require_user()
    if problem is not None:  # case-sync's case.* fields are the form's boxes
        fields = {SERVICE_FIELDS.get(k, k): v for k, v in problem.fields.items()}
        problem = Problem(problem.status, problem.detail, fields)
    errors = problem.fields if problem else {}
    page = render_template(
        "court/follows.html",
        form=form,
        errors=errors,
        problem=problem,
        labels=LABELS,
        court=court_name(user.court_code),
        categories=CATEGORY_LABELS,
        roles=ROLE_LABELS,
        statuses=FOLLOW_STATUS_LABELS,
        followers=followers,
        done=done,
    )
    return (page, problem.status) if problem else page


@bp.get("/follows")
@login_required("clerk")
def follows() -> Any:
    user = require_user()
    return follows_page({"court_code": user.court_code})


@bp.post("/follows")
@login_required("clerk")
def approve_follow() -> Any:
    user = require_user()
    form = _form()
    try:
        case = read_follow_form(form)
        cases = gateway().services.cases
        follow = cases.approve_follow(
            user.token,
            case,
            email=form["email"],
            role=int(form["role"]),  # type: ignore[arg-type]
            applicant_name=form["applicant_name"],
            application_id=form["application_id"],
        )
    except Problem as error:
        return follows_page(form, form_problem(error))
    number = f"{case.year}.{case.word}.{case.number:06d}"
    if follow.account_opened:
        done = (
            f"已核准 {follow.email} 查詢 {number}；已開立帳號 {follow.account_username}，"
            "系統已寄出設定密碼連結。"
        )
    else:
        done = (
            f"已核准 {follow.email} 查詢 {number}；聲請人以原有帳號 "
            f"{follow.account_username} 登入，系統已寄出核准通知。"
        )
    followers = cases.followers(user.token, case).followers
    form = {"court_code": user.court_code, **_case_only(form)}
    return follows_page(form, followers=followers, done=done)


def _case_only(form: dict[str, str]) -> dict[str, str]:
    return {name: form[name] for name in ("category", "year", "word", "number")}

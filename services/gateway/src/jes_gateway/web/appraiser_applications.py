"""Appraiser applications and the qualification committee as pages (seed 003): an
applicant starts an application, uploads each document and hands it in, and sees its
state and what is missing; the records chief drafts the opinion; the chief judge
appoints the committee, puts matters to it and decides; members vote. Every call
carries the person's own token: review-workflow decides what they may see and do."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.facades import ApplicationInput
from jes_gateway.presentation.appraiser_applications import (
    VOTE_CHOICES,
    application_json,
    matter_json,
    member_json,
)
from jes_gateway.presentation.courts import court_name
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import login_required, require_user
from jes_zhtw import COURTS

bp = Blueprint("appraiser_applications", __name__)

APPLICANTS = ("firm", "professional", "member", "appraiser")
COMMITTEE = ("records-chief", "chief-judge", "committee-member", "admin")
STAFF_ROWS = 5  # staff rows on the form
START_FIELDS = (
    "court_code",
    "applicant_type",
    "name",
    "registration_number",
    "business_since",
    "office_address",
    "office_phone",
)
APPLICANT_TYPES = {
    "firm": "鑑定估價公司、商號或其他法人團體（動產及其他財產）",
    "real_estate_appraiser": "不動產估價師（不動產）",
    "architect": "建築師（不動產）",
}
MAX_READ_BYTES = 32 * 1024 * 1024


def _applications_page(problem: Problem | None = None, form: dict[str, str] | None = None) -> Any:
    user = require_user()
    found = gateway().services.appraiser_applications.list(user.token)
    return render_template(
        "appraiser_applications/index.html",
        applications=[application_json(a) for a in found],
        may_apply=user.has_role(*APPLICANTS),
        courts=COURTS,
        court_name=court_name,
        types=APPLICANT_TYPES,
        staff_rows=STAFF_ROWS,
        problem=problem,
        form=form or {},
    ), (problem.status if problem else 200)


@bp.get("/appraiser-applications/")
@login_required(*APPLICANTS, *COMMITTEE)
def index() -> Any:
    return _applications_page()


@bp.post("/appraiser-applications/")
@login_required(*APPLICANTS)
def start() -> Any:
    user = require_user()
    form = {k: request.form.get(k, "").strip()[:200] for k in START_FIELDS}
    staff = []
    for n in range(STAFF_ROWS):
        name = request.form.get(f"staff_name_{n}", "").strip()[:100]
        id_number = request.form.get(f"staff_id_{n}", "").strip()[:20]
        form[f"staff_name_{n}"], form[f"staff_id_{n}"] = name, id_number
        if name or id_number:
            staff.append((name, id_number))
    errors = {k: "此欄必填" for k in ("court_code", "applicant_type", "name") if not form[k]}
    if errors:
        return _applications_page(invalid(errors), form)
    try:
        started = gateway().services.appraiser_applications.start(
            user.token,
            ApplicationInput(
                court_code=form["court_code"],
                applicant_type=form["applicant_type"],
                name=form["name"],
                registration_number=form["registration_number"],
                business_since=form["business_since"],
                office_address=form["office_address"],
                office_phone=form["office_phone"],
                staff=staff,
            ),
        )
    except Problem as error:
        return _applications_page(_on_form(form_problem(error)), form)
    flash("申請已建立，請逐項上傳文件後送出。", "ok")
    return redirect(url_for("appraiser_applications.detail", application_id=started.id))


def _on_form(problem: Problem) -> Problem:
    """The service names staff fields staff[n].name / .id_number; the form's boxes are
    staff_name_n / staff_id_n."""
    renamed = {}
    for name, message in problem.fields.items():
        found = re.fullmatch(r"staff\[(\d+)\]\.(name|id_number)", name)
        if found:
            name = f"staff_{'name' if found.group(2) == 'name' else 'id'}_{found.group(1)}"
        renamed[name] = message
    return dataclasses.replace(problem, fields=renamed)


def _detail_page(application_id: str, problem: Problem | None = None) -> Any:
    user = require_user()
    application = application_json(
        gateway().services.appraiser_applications.get(user.token, application_id)
    )
    return render_template(
        "appraiser_applications/detail.html",
        application=application,
        court_name=court_name,
        mine=application["applicant_account_id"] == user.account_id,
        may_draft=user.has_role("records-chief")
        and application["state"] in ("submitted", "opinion_drafted"),
        problem=problem,
    ), (problem.status if problem else 200)


@bp.get("/appraiser-applications/<application_id>")
@login_required(*APPLICANTS, *COMMITTEE)
def detail(application_id: str) -> Any:
    return _detail_page(application_id)


@bp.post("/appraiser-applications/<application_id>/documents")
@login_required(*APPLICANTS)
def upload(application_id: str) -> Any:
    user = require_user()
    item = request.form.get("item", "").strip()[:40]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _detail_page(application_id, invalid({"file": "請選擇要上傳的檔案"}))
    try:
        gateway().services.appraiser_applications.upload(
            user.token, application_id, item, upload.filename, upload.stream.read(MAX_READ_BYTES)
        )
    except Problem as error:
        return _detail_page(application_id, form_problem(error))
    flash(f"已上傳：{upload.filename}", "ok")
    return redirect(url_for("appraiser_applications.detail", application_id=application_id))


@bp.post("/appraiser-applications/<application_id>/submission")
@login_required(*APPLICANTS)
def submit(application_id: str) -> Any:
    user = require_user()
    try:
        gateway().services.appraiser_applications.submit(user.token, application_id)
    except Problem as error:
        return _detail_page(application_id, form_problem(error))
    return redirect(url_for("appraiser_applications.detail", application_id=application_id))


@bp.post("/appraiser-applications/<application_id>/opinion")
@login_required("records-chief")
def draft_opinion(application_id: str) -> Any:
    user = require_user()
    try:
        gateway().services.committee.draft_opinion(
            user.token,
            application_id,
            request.form.get("recommend") == "1",
            request.form.get("opinion", "").strip()[:5000],
        )
    except Problem as error:
        return _detail_page(application_id, form_problem(error))
    flash("初擬意見已送庭長。", "ok")
    return redirect(url_for("appraiser_applications.committee"))


def _committee_page(problem: Problem | None = None) -> Any:
    user = require_user()
    committee = gateway().services.committee
    members = [member_json(m) for m in committee.members(user.token)]
    matters = [matter_json(m) for m in committee.matters(user.token)]
    return render_template(
        "appraiser_applications/committee.html",
        members=members,
        matters=matters,
        me=user.account_id,
        is_chair=user.has_role("chief-judge"),
        problem=problem,
    ), (problem.status if problem else 200)


@bp.get("/committee/")
@login_required(*COMMITTEE)
def committee() -> Any:
    return _committee_page()


@bp.post("/committee/members")
@login_required("chief-judge")
def appoint() -> Any:
    user = require_user()
    try:
        gateway().services.committee.appoint(
            user.token,
            "",
            request.form.get("account_id", "").strip()[:100],
            request.form.get("name", "").strip()[:100],
            request.form.get("term_from", "").strip()[:10],
        )
    except Problem as error:
        return _committee_page(form_problem(error))
    return redirect(url_for("appraiser_applications.committee"))


@bp.post("/committee/matters/<matter_id>/<action>")
@login_required("chief-judge", "committee-member")
def act(matter_id: str, action: str) -> Any:
    """Put to the vote, vote (or record a written vote), decide."""
    user = require_user()
    committee = gateway().services.committee
    try:
        if action == "vote-call":
            committee.put(user.token, matter_id)
        elif action == "decision":
            committee.decide(user.token, matter_id)
        elif action == "votes":
            choice = VOTE_CHOICES.get(request.form.get("choice", ""))
            if choice is None:
                return _committee_page(invalid({"choice": "請選擇同意或不同意"}))
            committee.vote(
                user.token, matter_id, choice, request.form.get("written_for", "").strip()[:100]
            )
        else:
            return _committee_page(invalid({"action": "不明的操作"}))
    except Problem as error:
        return _committee_page(form_problem(error))
    return redirect(url_for("appraiser_applications.committee"))

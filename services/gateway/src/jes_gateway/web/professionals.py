"""Professional registration (律師、會計師、專利師、專利代理人、事務所管理人; seed 001):
the application form, the printable application form (PDF), printing it again, and the
administrators' queue to approve or refuse with a reason."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from jes.identity.v1 import identity_pb2 as pb
from jes_gateway.context import gateway
from jes_gateway.limits import application_limiter, form_print_limiter
from jes_gateway.presentation.professionals import (
    FIELD_LABELS,
    GENDER_LABELS,
    KIND_LABELS,
    KINDS,
    RESIDENT_LABEL,
    STATUS_LABELS,
    STATUSES,
    TEXT_FIELDS,
    download_name,
    form_message,
    printable_form,
    printable_lines,
)
from jes_gateway.presentation.vocabulary import name_of
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem
from jes_gateway.web.session import login_required, require_user

bp = Blueprint("professionals", __name__)

NOT_FOUND_STATUS = 404


def posted_form() -> dict[str, str]:
    form = {name: request.form.get(name, "").strip() for name in (*TEXT_FIELDS, "kind", "gender")}
    form["is_resident_certificate"] = "1" if request.form.get("is_resident_certificate") else ""
    return form


def form_page(form: dict[str, str], problem: Problem | None = None) -> Any:
    page = render_template(
        "professionals/register.html",
        form=form,
        labels=FIELD_LABELS,
        kinds=KIND_LABELS,
        genders=GENDER_LABELS,
        resident_label=RESIDENT_LABEL,
        problem=problem,
        errors=problem.fields if problem else {},
    )
    return (page, problem.status) if problem else page


@bp.get("/register/professional")
def register() -> Any:
    kind = request.args.get("kind", "")
    return form_page({"kind": kind if kind in KIND_LABELS else ""})


@bp.post("/register/professional")
def register_submit() -> Any:
    application_limiter.check("professional-application")
    form = posted_form()
    try:
        application = gateway().services.professionals.apply(form_message(form))
    except Problem as error:
        return form_page(form, form_problem(error))
    return render_template(
        "professionals/submitted.html",
        application=application,
        lines=printable_lines(application),
    ), 201


def pdf_response(application: pb.ProfessionalApplication) -> Response:
    pdf = gateway().services.professionals.form_pdf(**printable_form(application))
    name = download_name(application)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"application-form.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def reprint_page(form: dict[str, str], problem: Problem | None = None) -> Any:
    page = render_template(
        "professionals/reprint.html",
        form=form,
        problem=problem,
        errors=problem.fields if problem else {},
    )
    return (page, problem.status) if problem else page


@bp.get("/register/professional/reprint")
def reprint() -> Any:
    return reprint_page({})


@bp.post("/register/professional/form.pdf")
def applicants_form() -> Any:
    """The applicant's form (just after applying, or later to print it again): the
    application number and the national ID on it."""
    form_print_limiter.check("professional-form")
    form = {
        "application_id": request.form.get("application_id", "").strip(),
        "national_id": request.form.get("national_id", "").strip(),
    }
    missing = {
        name: message
        for name, message in (
            ("application_id", "請輸入聲請編號"),
            ("national_id", "請輸入身分證字號或外來人口統一證號"),
        )
        if not form[name]
    }
    if missing:
        return reprint_page(form, Problem(400, "請輸入聲請編號及身分證字號", missing))
    try:
        application = gateway().services.professionals.applicants_application(**form)
    except Problem as error:
        if error.status == NOT_FOUND_STATUS:  # said alike for a wrong number or ID
            return reprint_page(form, error)
        return reprint_page(form, form_problem(error))
    return pdf_response(application)


# -- the administrators' queue ----------------------------------------------------------------


def queue_page(problem: Problem | None = None, problem_for: str = "", reason: str = "") -> Any:
    user = require_user()
    applications = gateway().services.professionals.queue(user.token)
    submitted = [
        a for a in applications if a.status == pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED
    ]
    decided = sorted(
        (a for a in applications if a.status != pb.PROFESSIONAL_APPLICATION_STATUS_SUBMITTED),
        key=lambda a: a.decided_at.seconds,
        reverse=True,
    )
    page = render_template(
        "professionals/queue.html",
        submitted=submitted,
        decided=decided,
        kind_label=lambda a: KIND_LABELS.get(name_of_kind(a), ""),
        status_label=lambda a: STATUS_LABELS.get(name_of(STATUSES, a.status), ""),
        status_name=lambda a: name_of(STATUSES, a.status),
        lines=printable_lines,
        problem=problem,
        problem_for=problem_for,
        reason=reason,
    )
    return (page, problem.status) if problem else page


def name_of_kind(application: pb.ProfessionalApplication) -> str:
    return name_of(KINDS, application.form.kind)


@bp.get("/admin/professionals")
@login_required("admin")
def queue() -> Any:
    return queue_page()


@bp.post("/admin/professionals/<application_id>/decision")
@login_required("admin")
def decide(application_id: str) -> Any:
    user = require_user()
    decision = request.form.get("decision", "")
    if decision not in ("approve", "refuse"):
        problem = Problem(400, "請選擇核准或駁回", {"decision": "請選擇核准或駁回"})
        return queue_page(problem, application_id)
    approve = decision == "approve"
    reason = "" if approve else request.form.get("reason", "").strip()
    try:
        decided = gateway().services.professionals.decide(
            user.token, application_id, approve=approve, reason=reason
        )
    except Problem as error:
        return queue_page(form_problem(error), application_id, reason)
    if approve:
        flash(
            f"已核准 {decided.form.name} 的聲請，帳號 {decided.form.account_id} 已建立，"
            "系統已寄出帳號啟用連結。",
            "ok",
        )
    else:
        flash(f"已駁回 {decided.form.name} 的聲請，系統已將理由通知聲請人。", "ok")
    return redirect(url_for("professionals.queue"))


@bp.get("/admin/professionals/<application_id>/form.pdf")
@login_required("admin")
def admin_form(application_id: str) -> Any:
    user = require_user()
    application = gateway().services.professionals.application(user.token, application_id)
    return pdf_response(application)

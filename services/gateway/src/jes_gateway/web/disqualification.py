"""Disqualification as pages (seed 003, point 12): the flags the data shows, each with a
form to raise the matter with its ground and evidence filled in (the records chief); the
appraiser's written reply to a matter raised against them (or the records chief's record
of a paper reply). The committee's vote and decision are on /committee/."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from jes_gateway.context import gateway
from jes_gateway.presentation.appraiser_applications import matter_json
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid
from jes_gateway.web.session import login_required, require_user

bp = Blueprint("disqualification", __name__)

STAFF = ("records-chief", "chief-judge", "committee-member", "admin")
REPLIERS = ("appraiser", "records-chief")


def _flags_page(problem: Problem | None = None, form: dict[str, str] | None = None) -> Any:
    user = require_user()
    flags = gateway().services.appraisers.flags(user.token, "", "")
    # a flag whose appraiser already has a matter: open (審查中) or decided against them
    matters: dict[str, str] = {}
    for m in map(matter_json, gateway().services.committee.matters(user.token)):
        if m["kind"] == "disqualification" and m["subject_id"] not in matters:
            decided = m["state"] == "decided"
            if not decided or m["passed"]:
                matters[m["subject_id"]] = "已議決不適任" if decided else "已報請議決，審查中"
    return render_template(
        "appraiser_applications/flags.html",
        flags=flags,
        matters=matters,
        may_raise=user.has_role("records-chief"),
        problem=problem,
        form=form or {},
    ), (problem.status if problem else 200)


@bp.get("/committee/disqualification-flags")
@login_required(*STAFF)
def flags() -> Any:
    return _flags_page()


@bp.post("/committee/disqualifications")
@login_required("records-chief")
def raise_matter() -> Any:
    user = require_user()
    form = {k: request.form.get(k, "").strip() for k in ("appraiser_id", "evidence", "opinion")}
    try:
        grounds = [int(g) for g in request.form.getlist("grounds")]
    except ValueError:
        return _flags_page(invalid({"grounds": "請選擇不適任事由"}), form)
    try:
        gateway().services.committee.raise_disqualification(
            user.token,
            form["appraiser_id"][:36],
            grounds,
            form["evidence"][:5000],
            form["opinion"][:5000],
        )
    except Problem as error:
        return _flags_page(form_problem(error), form)
    flash("已報請審查小組議決，並通知鑑定人提出書面答辯。", "ok")
    return redirect(url_for("appraiser_applications.committee"))


def _reply_page(matter_id: str, problem: Problem | None = None, reply: str = "") -> Any:
    user = require_user()
    matter = matter_json(gateway().services.committee.get(user.token, matter_id))
    return render_template(
        "appraiser_applications/reply.html",
        matter=matter,
        problem=problem,
        reply=reply,
        for_the_appraiser=user.has_role("appraiser"),
    ), (problem.status if problem else 200)


@bp.get("/committee/matters/<matter_id>/reply")
@login_required(*REPLIERS)
def reply_page(matter_id: str) -> Any:
    return _reply_page(matter_id)


@bp.post("/committee/matters/<matter_id>/reply")
@login_required(*REPLIERS)
def reply(matter_id: str) -> Any:
    user = require_user()
    text = request.form.get("reply", "").strip()
    try:
        gateway().services.committee.reply(user.token, matter_id, text[:20000])
    except Problem as error:
        return _reply_page(matter_id, form_problem(error), text)
    flash("書面答辯已送出。", "ok")
    return redirect(url_for("disqualification.reply_page", matter_id=matter_id))

"""Appraiser applications and the qualification committee (seed 003, points 2 to 4 and
12) for programs: an applicant starts an application, uploads each document and hands it
in; the records chief drafts the opinion, the chief judge appoints members and puts a
matter to them, members vote, the chair decides. The caller's token decides what they
may see and do."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.appraiser_applications import (
    Application,
    ApplicationInput,
    Applications,
    DisqualificationInput,
    DocumentForm,
    Matter,
    Matters,
    Member,
    MemberInput,
    Members,
    OpinionInput,
    ReplyInput,
    VoteInput,
)
from jes_gateway.api.schemas.appraisers import CourtQuery
from jes_gateway.api.spec import answers, api
from jes_gateway.facades import ApplicationInput as ApplicationFields
from jes_gateway.presentation.appraiser_applications import (
    VOTE_CHOICES,
    application_json,
    matter_json,
    member_json,
)

bp = Blueprint("api_appraiser_applications", __name__, url_prefix=PREFIX)
TAG = "鑑定人申請及資格審查"
APPLICATION_ID = {"application_id": "申請案代號"}
MATTER_ID = {"matter_id": "審查案代號"}
# Read at most this much of an upload: the court's rules cap a document (20 MB for
# Keelung); review-workflow refuses what is larger with the court's own figure.
MAX_READ_BYTES = 32 * 1024 * 1024


@bp.post("/appraiser-applications")
@api.validate(resp=answers(201, Application, 400, 401, 403, 404, 409), tags=[TAG])
def start(json: ApplicationInput) -> Any:
    """申請列為鑑定人（先填寫，再逐項上傳文件後送出）"""
    started = services().appraiser_applications.start(
        bearer_token(),
        ApplicationFields(
            court_code=json.court_code,
            applicant_type=json.applicant_type,
            name=json.name,
            registration_number=json.registration_number,
            business_since=json.business_since,
            office_address=json.office_address,
            office_phone=json.office_phone,
            staff=[(s.name, s.id_number) for s in json.staff],
        ),
    )
    return jsonify(application_json(started)), 201


@bp.get("/appraiser-applications")
@api.validate(resp=answers(200, Applications, 400, 401, 403), tags=[TAG])
def list_applications(query: CourtQuery) -> Any:
    """申請人：自己的申請案；法院人員：本院已送出的申請案"""
    found = services().appraiser_applications.list(bearer_token(), query.court_code)
    return jsonify(applications=[application_json(a) for a in found])


@bp.get("/appraiser-applications/<application_id>")
@api.validate(
    resp=answers(200, Application, 401, 403, 404),
    tags=[TAG],
    path_parameter_descriptions=APPLICATION_ID,
)
def get_application(application_id: str) -> Any:
    """申請案及其狀態（文件不全者列出未備齊的文件）"""
    return jsonify(
        application_json(services().appraiser_applications.get(bearer_token(), application_id))
    )


@bp.post("/appraiser-applications/<application_id>/documents")
@api.validate(
    resp=answers(201, Application, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=APPLICATION_ID,
)
def upload(application_id: str, form: DocumentForm) -> Any:
    """上傳一個文件檔案（PDF、JPEG 或 PNG，以內容判斷，不看副檔名）"""
    form = form if form is not None else DocumentForm.model_validate({})
    content = form.file.stream.read(MAX_READ_BYTES)
    updated = services().appraiser_applications.upload(
        bearer_token(), application_id, form.item, form.file.filename or "", content
    )
    return jsonify(application_json(updated)), 201


@bp.post("/appraiser-applications/<application_id>/submission")
@api.validate(
    resp=answers(200, Application, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=APPLICATION_ID,
)
def submit(application_id: str) -> Any:
    """送出申請（文件不全者不列入評選，法院不另通知補正）"""
    return jsonify(
        application_json(services().appraiser_applications.submit(bearer_token(), application_id))
    )


@bp.post("/appraiser-applications/<application_id>/opinion")
@api.validate(
    resp=answers(200, Matter, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=APPLICATION_ID,
)
def draft_opinion(application_id: str, json: OpinionInput) -> Any:
    """紀錄科科長初擬意見（提付審查小組前得修改）"""
    matter = services().committee.draft_opinion(
        bearer_token(), application_id, json.recommend, json.opinion
    )
    return jsonify(matter_json(matter))


@bp.post("/committee/members")
@api.validate(resp=answers(201, Member, 400, 401, 403, 404, 409), tags=[TAG])
def appoint(json: MemberInput) -> Any:
    """登錄鑑定人資格審查小組委員（任期一年；庭長本人為召集人）"""
    member = services().committee.appoint(
        bearer_token(), json.court_code, json.account_id, json.name, json.term_from
    )
    return jsonify(member_json(member)), 201


@bp.get("/committee/members")
@api.validate(resp=answers(200, Members, 400, 401, 403), tags=[TAG])
def members(query: CourtQuery) -> Any:
    """今日在任的審查小組委員（召集人在前）"""
    found = services().committee.members(bearer_token(), query.court_code)
    return jsonify(members=[member_json(m) for m in found])


@bp.get("/committee/matters")
@api.validate(resp=answers(200, Matters, 400, 401, 403), tags=[TAG])
def matters(query: CourtQuery) -> Any:
    """本院的審查案（新的在前）；鑑定人：關於自己的不適任案，不含各委員的投票"""
    found = services().committee.matters(bearer_token(), query.court_code)
    return jsonify(matters=[matter_json(m) for m in found])


@bp.post("/committee/matters")
@api.validate(resp=answers(201, Matter, 400, 401, 403, 404, 409), tags=[TAG])
def raise_disqualification(json: DisqualificationInput) -> Any:
    """報請議決鑑定人不適任（第十二點之款次、相關資料及初擬意見）"""
    matter = services().committee.raise_disqualification(
        bearer_token(), json.appraiser_id, json.grounds, json.evidence, json.opinion
    )
    return jsonify(matter_json(matter)), 201


@bp.get("/committee/matters/<matter_id>")
@api.validate(
    resp=answers(200, Matter, 401, 403, 404), tags=[TAG], path_parameter_descriptions=MATTER_ID
)
def get_matter(matter_id: str) -> Any:
    """審查案、各委員的投票及結果"""
    return jsonify(matter_json(services().committee.get(bearer_token(), matter_id)))


@bp.post("/committee/matters/<matter_id>/reply")
@api.validate(
    resp=answers(200, Matter, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=MATTER_ID,
)
def record_reply(matter_id: str, json: ReplyInput) -> Any:
    """鑑定人之書面答辯（不適任案）"""
    return jsonify(matter_json(services().committee.reply(bearer_token(), matter_id, json.reply)))


@bp.post("/committee/matters/<matter_id>/vote-call")
@api.validate(
    resp=answers(200, Matter, 401, 403, 404, 409), tags=[TAG], path_parameter_descriptions=MATTER_ID
)
def put_to_committee(matter_id: str) -> Any:
    """庭長提付審查小組表決（在任委員須三至九人）"""
    return jsonify(matter_json(services().committee.put(bearer_token(), matter_id)))


@bp.post("/committee/matters/<matter_id>/votes")
@api.validate(
    resp=answers(200, Matter, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=MATTER_ID,
)
def vote(matter_id: str, json: VoteInput) -> Any:
    """委員投票（每人一票；召集人得登錄委員之書面投票）"""
    matter = services().committee.vote(
        bearer_token(), matter_id, VOTE_CHOICES[json.choice], json.written_for
    )
    return jsonify(matter_json(matter))


@bp.post("/committee/matters/<matter_id>/decision")
@api.validate(
    resp=answers(200, Matter, 401, 403, 404, 409), tags=[TAG], path_parameter_descriptions=MATTER_ID
)
def decide(matter_id: str) -> Any:
    """召集人宣告表決結果（過半數委員同意者通過）"""
    return jsonify(matter_json(services().committee.decide(bearer_token(), matter_id)))

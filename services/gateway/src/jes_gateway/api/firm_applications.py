"""Firm applications: a firm applies (no token); the court lists and decides them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes.identity.v1.identity_pb2 import APPLICATION_STATUS_UNSPECIFIED as ALL_APPLICATIONS
from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.court import (
    ApplicationsQuery,
    FirmApplicationCreated,
    FirmApplicationDecision,
    FirmApplicationDecisionInput,
    FirmApplicationInput,
    FirmApplications,
)
from jes_gateway.api.shapes import application_json, decision_json
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import application_limiter
from jes_gateway.presentation.vocabulary import APPLICATION_STATUSES

bp = Blueprint("api_firm_applications", __name__, url_prefix=PREFIX)
ACCOUNTS, COURT = "帳號", "法院審核"


@bp.post("/firm-applications")
@api.validate(resp=answers(201, FirmApplicationCreated, 400, 429), tags=[ACCOUNTS], security=PUBLIC)
def apply_firm_account(json: FirmApplicationInput) -> Any:
    """鑑估價公司新申請帳號"""
    application_limiter.check("firm-application")
    reply = services().identity.apply_firm_account(**json.model_dump())
    return jsonify(id=reply.id, status="pending", message="申請已送出，請等候法院審核"), 201


@bp.get("/firm-applications")
@api.validate(resp=answers(200, FirmApplications, 400, 401, 403), tags=[COURT])
def list_firm_applications(query: ApplicationsQuery) -> Any:
    """列出所屬法院的鑑估價公司帳號申請"""
    applications = services().identity.firm_applications(
        bearer_token(),
        court_code=query.court_code,
        status=APPLICATION_STATUSES.get(query.status, ALL_APPLICATIONS),
    )
    return jsonify(applications=[application_json(a) for a in applications])


@bp.post("/firm-applications/<application_id>/decision")
@api.validate(
    resp=answers(200, FirmApplicationDecision, 400, 401, 403, 404, 409),
    tags=[COURT],
    path_parameter_descriptions={"application_id": "申請代號"},
)
def decide_firm_application(application_id: str, json: FirmApplicationDecisionInput) -> Any:
    """開通或不予開通帳號申請

    開通時系統會建立帳號，並以電子郵件寄出帳號及一次性的設定密碼連結。決定先行記錄後交由
    帳號服務執行；該服務暫時無法使用時回應 state 為 deciding，系統會自行完成，不需重送。
    """
    decision = services().reviews.decide_firm_application(
        bearer_token(), application_id, approve=json.approve, reason=json.reason
    )
    return jsonify(decision_json(decision))

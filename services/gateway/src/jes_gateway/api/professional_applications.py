"""Professional registration: a professional applies and looks the application up (no
token); administrators list the queue and approve or refuse with a reason."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes.identity.v1 import identity_pb2 as pb
from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.professionals import (
    ApplicantLookupInput,
    ProfessionalApplication,
    ProfessionalApplicationCreated,
    ProfessionalApplicationInput,
    ProfessionalApplications,
    ProfessionalApplicationsQuery,
    ProfessionalDecisionInput,
)
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.limits import application_limiter, form_print_limiter
from jes_gateway.presentation.professionals import (
    GENDERS,
    KIND_LABELS,
    KINDS,
    STATUS_LABELS,
    STATUSES,
    form_message,
)
from jes_gateway.presentation.shapes import iso
from jes_gateway.presentation.vocabulary import name_of

bp = Blueprint("api_professional_applications", __name__, url_prefix=PREFIX)
ACCOUNTS, ADMIN = "帳號", "系統管理"
SUBMITTED = "聲請已送出，請下載聲請表列印並簽名或蓋章後，寄送司法院資訊處審核"


def professional_json(app: pb.ProfessionalApplication) -> dict[str, Any]:
    form = app.form
    kind, status = name_of(KINDS, form.kind), name_of(STATUSES, app.status)
    return {
        "id": app.id,
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, ""),
        "account_id": form.account_id,
        "name": form.name,
        "gender": name_of(GENDERS, form.gender),
        "national_id": form.national_id,
        "is_resident_certificate": form.is_resident_certificate,
        "birth_date": form.birth_date,
        "licence_number": form.licence_number,
        "association": form.association,
        "office_name": form.office_name,
        "address": form.address,
        "phone": form.phone,
        "mobile": form.mobile,
        "email": form.email,
        "fax": form.fax,
        "status": status,
        "status_label": STATUS_LABELS.get(status, ""),
        "refusal_reason": app.refusal_reason,
        "created_at": iso(app.created_at),
        "decided_at": iso(app.decided_at),
        "decided_by": app.decided_by,
        "activated_at": iso(app.activated_at),
    }


@bp.post("/professional-applications")
@api.validate(
    resp=answers(201, ProfessionalApplicationCreated, 400, 409, 429),
    tags=[ACCOUNTS],
    security=PUBLIC,
)
def apply_professional_account(json: ProfessionalApplicationInput) -> Any:
    """律師、會計師、專利師、專利代理人、事務所管理人聲請帳號

    同一身分證字號、同一證書字號或已使用的帳號再次聲請時回應 409。審核通過後，系統會以
    電子郵件寄出帳號啟用連結。
    """
    application_limiter.check("professional-application")
    reply = services().professionals.apply(form_message(json.model_dump()))
    return jsonify(id=reply.id, status="submitted", message=SUBMITTED), 201


@bp.post("/professional-applications/lookup")
@api.validate(
    resp=answers(200, ProfessionalApplication, 400, 404, 429), tags=[ACCOUNTS], security=PUBLIC
)
def look_up_own_application(json: ApplicantLookupInput) -> Any:
    """聲請人以聲請編號及身分證字號查詢自己的聲請（審核進度）"""
    form_print_limiter.check("professional-form")
    reply = services().professionals.applicants_application(
        json.application_id.strip(), json.national_id.strip()
    )
    return jsonify(professional_json(reply))


@bp.get("/professional-applications")
@api.validate(resp=answers(200, ProfessionalApplications, 400, 401, 403), tags=[ADMIN])
def list_professional_applications(query: ProfessionalApplicationsQuery) -> Any:
    """列出專業人員帳號聲請（系統管理者）"""
    status = STATUSES.get(query.status, pb.PROFESSIONAL_APPLICATION_STATUS_UNSPECIFIED)
    applications = services().professionals.queue(bearer_token(), status)
    return jsonify(applications=[professional_json(a) for a in applications])


@bp.post("/professional-applications/<application_id>/decision")
@api.validate(
    resp=answers(200, ProfessionalApplication, 400, 401, 403, 404, 409),
    tags=[ADMIN],
    path_parameter_descriptions={"application_id": "聲請編號"},
)
def decide_professional_application(application_id: str, json: ProfessionalDecisionInput) -> Any:
    """核准或駁回專業人員帳號聲請（系統管理者）

    核准時建立聲請的帳號，並以電子郵件寄出一次性的帳號啟用連結；駁回須附理由。同一決定
    重送不會重複處理；已決定的聲請不能改為另一決定（409）。
    """
    reply = services().professionals.decide(
        bearer_token(), application_id, approve=json.approve, reason=json.reason
    )
    return jsonify(professional_json(reply))

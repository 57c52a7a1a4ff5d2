"""REST API for court staff: firm applications, the review queue and decisions, the
audit log. The caller's token decides what they may see (their court; admins any)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2
from jes.review_workflow.v1 import review_workflow_pb2
from jes_gateway.api.openapi import (
    BOOLEAN,
    DATETIME,
    INTEGER,
    STRING,
    body,
    errors,
    obj,
    operation,
    path_param,
    query,
    ref,
    reply,
)
from jes_gateway.api.v1 import (
    audit_json,
    bearer_token,
    change_json,
    iso,
    json_body,
    photo_set_json,
    print_json,
)
from jes_gateway.context import gateway
from jes_gateway.web.forms import page_count, page_number

bp = Blueprint("api_court", __name__, url_prefix="/api/v1")

PAGE_SIZE = 20
APPLICATION_STATUSES = {
    "pending": identity_pb2.APPLICATION_STATUS_PENDING,
    "activated": identity_pb2.APPLICATION_STATUS_ACTIVATED,
    "refused": identity_pb2.APPLICATION_STATUS_REFUSED,
    "all": identity_pb2.APPLICATION_STATUS_UNSPECIFIED,
}
STATUS_NAMES = {value: name for name, value in APPLICATION_STATUSES.items() if name != "all"}
SUBMISSION_STATES = ("pending", "approved", "rejected", "withdrawn", "all")


def application_json(application: identity_pb2.FirmApplication) -> dict[str, Any]:
    return {
        "id": application.id,
        "court_code": application.court_code,
        "company_name": application.company_name,
        "contact_person": application.contact_person,
        "email": application.email,
        "phone": application.phone,
        "status": STATUS_NAMES.get(application.status, ""),
        "created_at": iso(application.created_at),
        "account_id": application.account_id,
        "refusal_reason": application.refusal_reason,
        "decided_at": iso(application.decided_at),
        "decided_by": application.decided_by,
    }


def decision_json(decision: review_workflow_pb2.FirmApplicationDecision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "application_id": decision.application_id,
        "court_code": decision.court_code,
        "approved": decision.approved,
        "reason": decision.reason,
        "account_id": decision.account_id,
        "decided_by": decision.decided_by,
        "decided_at": iso(decision.decided_at),
    }


def submission_json(submission: review_workflow_pb2.Submission) -> dict[str, Any]:
    return {
        "id": submission.id,
        "photo_set_id": submission.photo_set_id,
        "court_code": submission.court_code,
        "case_number": submission.case_number,
        "division": submission.division,
        "batch": submission.batch,
        "state": submission.state,
        "firm_account_id": submission.firm_account_id,
        "firm_name": submission.firm_name,
        "submitted_at": iso(submission.submitted_at),
        "pages": submission.pages,
        "fingerprint": submission.fingerprint,
        "previous_rejected_fingerprint": submission.previous_rejected_fingerprint,
        "decided_at": iso(submission.decided_at),
        "decided_by": submission.decided_by,
        "note": submission.note,
        "reasons": [
            {
                "photo_id": r.photo_id,
                "sequence": r.sequence,
                "reason_code": r.reason_code,
                "label": r.label,
                "text": r.text,
            }
            for r in submission.reasons
        ],
    }


def decision_flag(values: dict[str, Any]) -> bool:
    approve = values.get("approve")
    if not isinstance(approve, bool):
        abort(400, description="請以 approve: true 或 false 指定審核結果")
    return approve


# -- firm applications --------------------------------------------------------------------


@bp.get("/firm-applications")
def list_firm_applications() -> Any:
    status = request.args.get("status", "all")
    if status not in APPLICATION_STATUSES:
        return jsonify(error="查詢條件有誤", fields={"status": "無此申請狀態"}), 400
    result = gateway().services.identity.call(
        "ListFirmApplications",
        identity_pb2.ListFirmApplicationsRequest(
            court_code=request.args.get("court_code", ""), status=APPLICATION_STATUSES[status]
        ),
        token=bearer_token(),
    )
    return jsonify(applications=[application_json(a) for a in result.applications])


@bp.post("/firm-applications/<application_id>/decision")
def decide_firm_application(application_id: str) -> Any:
    values = json_body()
    approve = decision_flag(values)
    reason = values.get("reason", "")
    decision = gateway().services.reviews.call(
        "DecideFirmApplication",
        review_workflow_pb2.DecideFirmApplicationRequest(
            application_id=application_id,
            approve=approve,
            reason=reason if isinstance(reason, str) else "",
        ),
        token=bearer_token(),
    )
    return jsonify(decision_json(decision))


# -- submissions --------------------------------------------------------------------------


@bp.get("/submissions")
def list_submissions() -> Any:
    state = request.args.get("state", "pending")
    if state not in SUBMISSION_STATES:
        return jsonify(error="查詢條件有誤", fields={"state": "無此審核狀態"}), 400
    result = gateway().services.reviews.call(
        "ListSubmissions",
        review_workflow_pb2.ListSubmissionsRequest(
            court_code=request.args.get("court_code", ""),
            state="" if state == "all" else state,
            page=page_number(request.args.get("page")),
            page_size=PAGE_SIZE,
        ),
        token=bearer_token(),
    )
    return jsonify(
        submissions=[submission_json(s) for s in result.submissions],
        total=result.total,
        page=result.page or 1,
        page_count=result.page_count or page_count(result.total, PAGE_SIZE),
    )


@bp.get("/submissions/<submission_id>")
def get_submission(submission_id: str) -> Any:
    services, token = gateway().services, bearer_token()
    submission = services.reviews.call(
        "GetSubmission",
        review_workflow_pb2.GetSubmissionRequest(submission_id=submission_id),
        token=token,
    )
    set_id = submission.photo_set_id
    photo_set = services.photos.call(
        "GetPhotoSet", photo_storage_pb2.GetPhotoSetRequest(photo_set_id=set_id), token=token
    )
    prints = services.photos.call(
        "ListPrints", photo_storage_pb2.ListPrintsRequest(photo_set_id=set_id), token=token
    ).prints
    changes = []
    if submission.previous_rejected_fingerprint:
        changes = services.photos.call(
            "DiffPrints",
            photo_storage_pb2.DiffPrintsRequest(
                photo_set_id=set_id,
                from_fingerprint=submission.previous_rejected_fingerprint,
                to_fingerprint=submission.fingerprint,
            ),
            token=token,
        ).changes
    return jsonify(
        submission=submission_json(submission),
        photo_set=photo_set_json(photo_set),
        prints=[print_json(p) for p in prints],
        changes_since_rejection=[change_json(c) for c in changes],
    )


@bp.post("/submissions/<submission_id>/decision")
def decide_submission(submission_id: str) -> Any:
    values = json_body()
    approve = decision_flag(values)
    raw_reasons = values.get("reasons") or []
    if not isinstance(raw_reasons, list) or not all(isinstance(r, dict) for r in raw_reasons):
        return jsonify(error="審核資料有誤", fields={"reasons": "須為物件陣列"}), 400
    services, token = gateway().services, bearer_token()
    reasons = []
    if raw_reasons:
        # review-workflow wants each photo's sequence too: take it from the set itself.
        submission = services.reviews.call(
            "GetSubmission",
            review_workflow_pb2.GetSubmissionRequest(submission_id=submission_id),
            token=token,
        )
        photo_set = services.photos.call(
            "GetPhotoSet",
            photo_storage_pb2.GetPhotoSetRequest(photo_set_id=submission.photo_set_id),
            token=token,
        )
        sequences = {p.id: p.sequence for p in photo_set.photos}
        unknown = {
            f"reasons[{i}].photo_id": "此照片不屬於本案件"
            for i, r in enumerate(raw_reasons)
            if str(r.get("photo_id", "")) not in sequences
        }
        if unknown:
            return jsonify(error="審核資料有誤", fields=unknown), 400
        reasons = [
            review_workflow_pb2.PhotoReason(
                photo_id=str(r["photo_id"]),
                sequence=sequences[str(r["photo_id"])],
                reason_code=str(r.get("reason_code", "")),
                text=str(r.get("text", "")),
            )
            for r in raw_reasons
        ]
    note = values.get("note", "")
    submission = services.reviews.call(
        "DecideSubmission",
        review_workflow_pb2.DecideSubmissionRequest(
            submission_id=submission_id,
            approve=approve,
            reasons=reasons,
            note=note if isinstance(note, str) else "",
        ),
        token=token,
    )
    return jsonify(submission_json(submission))


@bp.get("/rejection-reasons")
def rejection_reasons() -> Any:
    result = gateway().services.reviews.call(
        "ListRejectionReasons",
        review_workflow_pb2.ListRejectionReasonsRequest(),
        token=bearer_token(),
    )
    return jsonify(reasons=[{"code": r.code, "label": r.label} for r in result.reasons])


@bp.get("/audit-entries")
def audit_entries() -> Any:
    page = page_number(request.args.get("page"))
    result = gateway().services.reviews.call(
        "ListAuditEntries",
        review_workflow_pb2.ListAuditEntriesRequest(
            court_code=request.args.get("court_code", ""),
            subject_id=request.args.get("subject_id", ""),
            page=page,
            page_size=PAGE_SIZE,
        ),
        token=bearer_token(),
    )
    return jsonify(
        entries=[audit_json(e) for e in result.entries],
        total=result.total,
        page=page,
        page_count=page_count(result.total, PAGE_SIZE),
    )


# -- OpenAPI ------------------------------------------------------------------------------

TAG = "法院審核"
COURT_QUERY = query("court_code", "法院代碼（系統管理者可指定；書記官只能查自己的法院）", STRING)
PAGE_QUERY = query("page", "頁次，從 1 開始", {"type": "integer", "minimum": 1})


def paged(item_name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return obj(
        {
            item_name: {"type": "array", "items": schema},
            "total": {"type": "integer", "description": "總筆數"},
            "page": INTEGER,
            "page_count": INTEGER,
        },
        [item_name, "total", "page", "page_count"],
    )


OPENAPI_SCHEMAS: dict[str, Any] = {
    "FirmApplication": obj(
        {
            "id": STRING,
            "court_code": STRING,
            "company_name": STRING,
            "contact_person": STRING,
            "email": STRING,
            "phone": STRING,
            "status": {"enum": ["pending", "activated", "refused", ""]},
            "created_at": DATETIME,
            "account_id": {"type": "string", "description": "開通後的帳號"},
            "refusal_reason": STRING,
            "decided_at": DATETIME,
            "decided_by": STRING,
        },
        ["id", "court_code", "company_name", "status"],
    ),
    "FirmApplicationDecision": obj(
        {
            "id": STRING,
            "application_id": STRING,
            "court_code": STRING,
            "approved": BOOLEAN,
            "reason": STRING,
            "account_id": STRING,
            "decided_by": STRING,
            "decided_at": DATETIME,
        },
        ["id", "application_id", "approved"],
    ),
    "PhotoReason": obj(
        {
            "photo_id": STRING,
            "sequence": INTEGER,
            "reason_code": {"type": "string", "description": "GET /rejection-reasons 的代碼"},
            "label": STRING,
            "text": {"type": "string", "description": "補充說明（代碼為 other 時必填）"},
        },
        ["photo_id", "reason_code"],
    ),
    "Submission": obj(
        {
            "id": STRING,
            "photo_set_id": STRING,
            "court_code": STRING,
            "case_number": {"type": "string", "description": "如 107年度司執字第999號"},
            "division": STRING,
            "batch": INTEGER,
            "state": {"enum": ["pending", "approved", "rejected", "withdrawn"]},
            "firm_account_id": STRING,
            "firm_name": STRING,
            "submitted_at": DATETIME,
            "pages": INTEGER,
            "fingerprint": {"type": "string", "description": "送審的列印版本"},
            "previous_rejected_fingerprint": STRING,
            "decided_at": DATETIME,
            "decided_by": STRING,
            "note": STRING,
            "reasons": {"type": "array", "items": ref("PhotoReason")},
        },
        ["id", "photo_set_id", "court_code", "case_number", "state"],
    ),
}

OPENAPI_PATHS: dict[str, Any] = {
    "/firm-applications": {
        "get": operation(
            "列出所屬法院的鑑估價公司帳號申請",
            TAG,
            {
                "200": reply(
                    "申請清單（依申請時間排序）",
                    obj(
                        {"applications": {"type": "array", "items": ref("FirmApplication")}},
                        ["applications"],
                    ),
                ),
                **errors(400, 401, 403),
            },
            parameters=[
                query(
                    "status",
                    "申請狀態，預設 all",
                    {"enum": ["pending", "activated", "refused", "all"]},
                ),
                COURT_QUERY,
            ],
        )
    },
    "/firm-applications/{application_id}/decision": {
        "post": operation(
            "開通或不予開通帳號申請",
            TAG,
            {
                "200": reply("法院的決定", ref("FirmApplicationDecision")),
                **errors(400, 401, 403, 404, 409),
            },
            parameters=[path_param("application_id", "申請代號")],
            request_body=body(
                obj(
                    {
                        "approve": {"type": "boolean", "description": "true 開通；false 不予開通"},
                        "reason": {"type": "string", "description": "不予開通的理由（必填）"},
                    },
                    ["approve"],
                )
            ),
            description="開通時系統會建立帳號，並以電子郵件寄出帳號及一次性的設定密碼連結。",
        )
    },
    "/submissions": {
        "get": operation(
            "審核案件清單",
            TAG,
            {
                "200": reply("一頁案件", paged("submissions", ref("Submission"))),
                **errors(400, 401, 403),
            },
            parameters=[
                query(
                    "state",
                    "審核狀態，預設 pending（待審核）",
                    {"enum": list(SUBMISSION_STATES)},
                ),
                PAGE_QUERY,
                COURT_QUERY,
            ],
        )
    },
    "/submissions/{submission_id}": {
        "get": operation(
            "一件審核案件：照片、列印報告、與前次未通過版本的差異",
            TAG,
            {
                "200": reply(
                    "案件",
                    obj(
                        {
                            "submission": ref("Submission"),
                            "photo_set": ref("PhotoSet"),
                            "prints": {"type": "array", "items": ref("PrintRecord")},
                            "changes_since_rejection": {
                                "type": "array",
                                "items": ref("PhotoChange"),
                            },
                        },
                        ["submission", "photo_set", "prints", "changes_since_rejection"],
                    ),
                ),
                **errors(401, 403, 404),
            },
            parameters=[path_param("submission_id", "審核案件代號")],
        )
    },
    "/submissions/{submission_id}/decision": {
        "post": operation(
            "審核通過或不通過",
            TAG,
            {"200": reply("審核後的案件", ref("Submission")), **errors(400, 401, 403, 404, 409)},
            parameters=[path_param("submission_id", "審核案件代號")],
            request_body=body(
                obj(
                    {
                        "approve": BOOLEAN,
                        "note": {"type": "string", "description": "整體說明"},
                        "reasons": {
                            "type": "array",
                            "description": "不通過時至少一張照片的理由",
                            "items": obj(
                                {"photo_id": STRING, "reason_code": STRING, "text": STRING},
                                ["photo_id", "reason_code"],
                            ),
                        },
                    },
                    ["approve"],
                )
            ),
            description="鑑估價公司於列印後又修改案件，或案件已審核時回傳 409。",
        )
    },
    "/rejection-reasons": {
        "get": operation(
            "標準的不通過理由",
            TAG,
            {
                "200": reply(
                    "理由清單",
                    obj(
                        {
                            "reasons": {
                                "type": "array",
                                "items": obj({"code": STRING, "label": STRING}, ["code", "label"]),
                            }
                        },
                        ["reasons"],
                    ),
                ),
                **errors(401, 403),
            },
        )
    },
    "/audit-entries": {
        "get": operation(
            "稽核紀錄（由新到舊）",
            TAG,
            {
                "200": reply("一頁紀錄", paged("entries", ref("AuditEntry"))),
                **errors(400, 401, 403),
            },
            parameters=[
                PAGE_QUERY,
                COURT_QUERY,
                query("subject_id", "只列出此對象的紀錄", STRING),
            ],
        )
    },
}

"""Court reviews: the review queue, one submission with what the clerk reviews, the
decision, and the standard rejection reasons. The caller's token decides what they may
see (their court; admins any)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, refuse, services
from jes_gateway.api.schemas.court import (
    RejectionReasons,
    Submission,
    SubmissionDecisionInput,
    SubmissionForReview,
    SubmissionPage,
    SubmissionsQuery,
)
from jes_gateway.api.shapes import photo_set_json, reason_json, submission_json
from jes_gateway.api.spec import answers, api
from jes_gateway.facades import QueueSearch, ReasonInput
from jes_gateway.presentation.paging import page_count
from jes_gateway.presentation.shapes import change_json, print_json

bp = Blueprint("api_submissions", __name__, url_prefix=PREFIX)
TAG = "法院審核"
PAGE_SIZE = 20
SUBMISSION_ID = {"submission_id": "審核案件代號"}


@bp.get("/submissions")
@api.validate(resp=answers(200, SubmissionPage, 400, 401, 403), tags=[TAG])
def list_submissions(query: SubmissionsQuery) -> Any:
    """審核案件清單（可依案號、股別、鑑估價公司查詢，依等候時間排序）"""
    result = services().reviews.submissions(
        bearer_token(),
        court_code=query.court_code,
        state="" if query.state == "all" else query.state,
        page=query.page,
        page_size=PAGE_SIZE,
        search=QueueSearch(
            case_number=query.case_number,
            division=query.division,
            firm=query.firm,
            sort=query.sort,
        ),
    )
    return jsonify(
        submissions=[submission_json(s) for s in result.submissions],
        total=result.total,
        page=result.page or 1,
        page_count=result.page_count or page_count(result.total, PAGE_SIZE),
    )


@bp.get("/submissions/<submission_id>")
@api.validate(
    resp=answers(200, SubmissionForReview, 401, 403, 404),
    tags=[TAG],
    path_parameter_descriptions=SUBMISSION_ID,
)
def get_submission(submission_id: str) -> Any:
    """一件審核案件：照片、列印報告、與前次未通過版本的差異"""
    bundle = services().court_reviews.bundle(bearer_token(), submission_id)
    return jsonify(
        submission=submission_json(bundle.submission),
        photo_set=photo_set_json(bundle.photo_set),
        prints=[print_json(p) for p in bundle.prints],
        changes_since_rejection=[change_json(c) for c in bundle.changes_since_rejection],
        previous_reasons=[reason_json(r) for r in bundle.previous_reasons.values()],
    )


@bp.post("/submissions/<submission_id>/decision")
@api.validate(
    resp=answers(200, Submission, 400, 401, 403, 404, 409),
    tags=[TAG],
    path_parameter_descriptions=SUBMISSION_ID,
)
def decide_submission(submission_id: str, json: SubmissionDecisionInput) -> Any:
    """審核通過或不通過

    決定先行記錄後交由照片服務執行：通常回應即為 approved 或 rejected；照片服務暫時無法
    使用時回應 state 為 deciding（決定處理中），系統會自行完成，不需重送。鑑估價公司於列印
    後又修改案件（決定記錄為 not_applied 並附原因），或案件已審核時回傳 409。
    """
    facades, token = services(), bearer_token()
    reasons = []
    if json.reasons:
        # review-workflow wants each photo's sequence too: take it from the set itself.
        submission = facades.reviews.submission(token, submission_id)
        photo_set = facades.photos.get_set(token, submission.photo_set_id)
        sequences = {p.id: p.sequence for p in photo_set.photos}
        unknown = {
            f"reasons[{i}].photo_id": "此照片不屬於本案件"
            for i, r in enumerate(json.reasons)
            if r.photo_id not in sequences
        }
        if unknown:
            refuse(unknown, "審核資料有誤")
        reasons = [
            ReasonInput(r.photo_id, sequences[r.photo_id], r.reason_code, r.text)
            for r in json.reasons
        ]
    submission = facades.reviews.decide_submission(
        token, submission_id, approve=json.approve, reasons=reasons, note=json.note
    )
    return jsonify(submission_json(submission))


@bp.get("/rejection-reasons")
@api.validate(resp=answers(200, RejectionReasons, 401, 403), tags=[TAG])
def rejection_reasons() -> Any:
    """標準的不通過理由"""
    reasons = services().reviews.rejection_reasons(bearer_token())
    return jsonify(reasons=[{"code": r.code, "label": r.label} for r in reasons])

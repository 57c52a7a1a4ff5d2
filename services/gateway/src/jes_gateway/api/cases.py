"""案件進度查詢 for programs: the reader's cases (a litigant's follows, a prosecutor's
own) and one case's entries, newest first; case-sync decides what the token may see."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.cases import CaseList, CasePage, CasePageQuery, CasesQuery
from jes_gateway.api.spec import answers, api
from jes_gateway.presentation.cases import case_page_view, case_view
from jes_gateway.problems import Problem

bp = Blueprint("api_cases", __name__, url_prefix=PREFIX)
TAG = "案件進度查詢"


def _reader() -> str:
    token = bearer_token()
    if not token:
        raise Problem(401, "請先登入")
    return token


@bp.get("/cases")
@api.validate(resp=answers(200, CaseList, 400, 401, 403), tags=[TAG])
def list_cases(query: CasesQuery) -> Any:
    """我的案件：每案附最新 3 筆進行事項（檢察官：承辦案件）"""
    reply = services().cases.my_cases(_reader(), page_token=query.page_token)
    return jsonify(
        cases=[asdict(case_view(summary)) for summary in reply.cases],
        next_page_token=reply.next_page_token,
    )


@bp.get("/cases/<case_id>")
@api.validate(resp=answers(200, CasePage, 400, 401, 403, 404), tags=[TAG])
def get_case(case_id: str, query: CasePageQuery) -> Any:
    """案件進度：全部進行事項，新到舊；下次庭期、資料更新時間、查詢期限"""
    page = services().cases.case_page(
        _reader(), case_id, page_token=query.page_token, record_visit=query.record_visit
    )
    return jsonify(asdict(case_page_view(page)))

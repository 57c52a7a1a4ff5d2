"""The audit log (court staff): newest first, by court and subject."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, bearer_token, services
from jes_gateway.api.schemas.court import AuditPage, AuditQuery
from jes_gateway.api.spec import answers, api
from jes_gateway.presentation.paging import page_count
from jes_gateway.presentation.shapes import audit_json

bp = Blueprint("api_audit", __name__, url_prefix=PREFIX)
PAGE_SIZE = 20


@bp.get("/audit-entries")
@api.validate(resp=answers(200, AuditPage, 400, 401, 403), tags=["法院審核"])
def audit_entries(query: AuditQuery) -> Any:
    """稽核紀錄（由新到舊）"""
    result = services().reviews.audit_entries(
        bearer_token(),
        court_code=query.court_code,
        subject_id=query.subject_id,
        page=query.page,
        page_size=PAGE_SIZE,
    )
    return jsonify(
        entries=[audit_json(e) for e in result.entries],
        total=result.total,
        page=query.page,
        page_count=page_count(result.total, PAGE_SIZE),
    )

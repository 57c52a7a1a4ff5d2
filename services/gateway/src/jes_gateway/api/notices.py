"""A case's mail settings by the token in a case-progress mail's links (no login): read
them, choose the daily digest, or stop the case's mails."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify

from jes_gateway.api.common import PREFIX, services
from jes_gateway.api.schemas.notices import (
    CaseMailModeInput,
    CaseMailSettings,
    CaseMailSettingsQuery,
)
from jes_gateway.api.spec import PUBLIC, answers, api
from jes_gateway.presentation.case_mail import case_mail_view, mode_value

bp = Blueprint("api_notices", __name__, url_prefix=PREFIX)
TAG = "案件進度通知"


@bp.get("/case-mail-settings")
@api.validate(resp=answers(200, CaseMailSettings, 400, 404), tags=[TAG], security=PUBLIC)
def case_mail_settings(query: CaseMailSettingsQuery) -> Any:
    """案件進度通知設定：依通知信連結中的 token 查詢"""
    settings = services().notices.case_mail_settings(query.token)
    return jsonify(asdict(case_mail_view(settings)))


@bp.put("/case-mail-settings")
@api.validate(resp=answers(200, CaseMailSettings, 400, 404), tags=[TAG], security=PUBLIC)
def set_case_mail_mode(json: CaseMailModeInput) -> Any:
    """變更案件進度通知方式：有新進度即通知、每日摘要或不再通知"""
    mode = mode_value(json.mode)
    assert mode is not None  # the schema allows only the contract's modes
    settings = services().notices.set_case_mail_mode(json.token, mode)
    return jsonify(asdict(case_mail_view(settings)))

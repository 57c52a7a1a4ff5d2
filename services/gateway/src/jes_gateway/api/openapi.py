"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the schemas."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from spectree import Response

from jes_gateway.api.common import PREFIX
from jes_gateway.api.schemas.accounts import OpenApiDocument
from jes_gateway.api.spec import PUBLIC, api, document

bp = Blueprint("api_openapi", __name__, url_prefix=PREFIX)


@bp.get("/openapi.json")
@api.validate(
    resp=Response(HTTP_200=(OpenApiDocument, "OpenAPI 3.1 文件")),
    tags=["文件"],
    security=PUBLIC,
    skip_validation=True,
)
def openapi_document() -> Any:
    """本 API 的 OpenAPI 文件"""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "jes_openapi" not in app.extensions:  # built once per app: the routes do not change
        app.extensions["jes_openapi"] = document(app)
    return jsonify(app.extensions["jes_openapi"])

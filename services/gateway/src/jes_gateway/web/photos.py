"""The firm's photo pages (照片上傳維護, 維護未通過審核照片)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from jes_gateway.web.session import login_required

bp = Blueprint("photos", __name__, url_prefix="/photos")


@bp.get("/")
@login_required("firm")
def query() -> Any:
    return render_template("photos/query.html")

"""Court staff pages: the review queue, firm applications, the decision log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from jes_gateway.web.session import login_required

bp = Blueprint("court", __name__, url_prefix="/court")


@bp.get("/reviews")
@login_required("clerk", "admin")
def reviews() -> Any:
    return render_template("court/reviews.html")

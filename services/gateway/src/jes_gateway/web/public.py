"""Public viewing (照片公開查詢): approved photo sets by court and case number, no login."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from jes.photo_storage.v1 import photo_storage_pb2
from jes_gateway.context import gateway
from jes_gateway.limits import lookup_limiter
from jes_gateway.presentation.lookup import (
    LOOKUP_FIELDS,
    LookupInvalid,
    find_public_sets,
    parse_lookup,
)
from jes_gateway.presentation.vocabulary import labels_by_value
from jes_gateway.problems import Problem
from jes_gateway.web.forms import form_problem, invalid
from jes_zhtw import PHOTO_SYSTEM_COURTS, court_by_code

bp = Blueprint("public", __name__)

PLACEMENT_LABELS = labels_by_value(photo_storage_pb2.Placement)


@bp.get("/public")
def lookup() -> Any:
    form = {name: request.args.get(name, "").strip() for name in LOOKUP_FIELDS}
    values: dict[str, Any] = {
        "form": form,
        "courts": PHOTO_SYSTEM_COURTS,
        "placement_labels": PLACEMENT_LABELS,
        "errors": {},
        "problem": None,
        "photo_sets": None,  # None: nothing asked yet; []: asked, nothing found
    }
    # The form sends `asked` too: an empty form sent is answered with what to fill in.
    if not any(form.values()) and not request.args.get("asked"):
        return render_template("public/lookup.html", **values)
    lookup_limiter.check("public-lookup")
    try:
        wanted = parse_lookup(form, typed=True)
        # What was understood, in its boxes (a pasted whole number is split up).
        case = wanted.case_number
        form.update(year=str(case.year), word=case.word, number=str(case.number))
        values["photo_sets"] = find_public_sets(gateway().services.photos, wanted)
        values["case_text"] = wanted.case_number.formal()
        values["court_name"] = court_by_code(wanted.court_code).name
    except LookupInvalid as wrong:
        values["errors"] = wrong.fields
        values["problem"] = invalid(wrong.fields, "查詢條件有誤，請修正後再查詢")
        return render_template("public/lookup.html", **values), 400
    except Problem as error:
        problem = form_problem(error)
        values.update(problem=problem, errors=problem.fields)
        return render_template("public/lookup.html", **values), problem.status
    return render_template("public/lookup.html", **values)

"""The one way a page shows a refusal: a message plus per-field errors on its form."""

from __future__ import annotations

from jes_gateway.presentation.paging import page_count, page_number
from jes_gateway.problems import INVALID_MESSAGE, Problem

__all__ = ["form_problem", "invalid", "page_count", "page_number"]

# What a form shows again with the service's zh-TW message. Anything else (not logged
# in, not found, internal errors) goes to the app's error handler, as on any page.
FORM_STATUSES = frozenset({400, 409, 429, 503})


def form_problem(error: Problem) -> Problem:
    """The refusal to show on the form; re-raises what a form cannot show."""
    if error.status not in FORM_STATUSES:
        raise error
    return error


def invalid(fields: dict[str, str], message: str = INVALID_MESSAGE) -> Problem:
    """The page's own refusal of what was typed, before any service is asked."""
    return Problem(400, message, fields)

"""Page numbers of listings, as pages and the API count them."""

from __future__ import annotations

import math

from jes_gateway.presentation.numbers import INT32_MAX


def page_count(total: int, page_size: int) -> int:
    """第 N/M 頁: at least one page, even when nothing was found."""
    return max(1, math.ceil(total / page_size)) if page_size > 0 else 1


def page_number(raw: str | None) -> int:
    """A 1-based page number from the query string; anything odd is page 1, anything
    beyond what the services take is the last page they can take."""
    try:
        return min(INT32_MAX, max(1, int(raw or 1)))
    except ValueError:
        return 1

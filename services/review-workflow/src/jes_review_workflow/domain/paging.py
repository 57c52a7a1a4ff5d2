"""Pages of a listing."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jes_domain import InvalidArgument

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    size: int
    count: int  # pages in all, at least 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(page: int, page_size: int, total: int) -> Page:
    problems = {}
    if page < 0:
        problems["page"] = "頁數不可為負數"
    if page_size < 0:
        problems["page_size"] = "每頁筆數不可為負數"
    if problems:
        raise InvalidArgument("查詢條件有誤", fields=problems)
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return Page(number=page or 1, size=size, count=max(1, math.ceil(total / size)))

"""Court names by code, as pages show them."""

from __future__ import annotations

from jes_zhtw import COURTS

COURT_NAMES = {court.code: court.name for court in COURTS}


def court_name(code: str) -> str:
    return COURT_NAMES.get(code, code)

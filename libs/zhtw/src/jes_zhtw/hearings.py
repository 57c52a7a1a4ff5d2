"""A hearing (庭期) in words: 民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論. The seed's
101/08/10 10:00第一法庭言詞辯論 with the date absolute and the weekday added, so a
reader never works out which day is meant. Pages, mails and feeds all use this."""

from __future__ import annotations

from datetime import datetime

from jes_zhtw.roc import format_roc_date

__all__ = ["format_hearing"]


def format_hearing(starts_at: str, place: str, kind: str) -> str:
    """`starts_at` is the local (Asia/Taipei) time as court systems send it,
    "YYYY-MM-DDTHH:MM"; "" = no hearing. The parts missing are left out."""
    if not starts_at:
        return ""
    try:
        local = datetime.fromisoformat(starts_at)
    except ValueError:
        when = starts_at
    else:
        when = f"{format_roc_date(local.date())} {local:%H:%M}"
    return " ".join(part for part in (when, place, kind) if part)

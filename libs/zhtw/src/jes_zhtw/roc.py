"""ROC (Minguo, 民國) calendar dates.

The ROC year is the Gregorian year minus 1911 (民國 1年 = 1912). JES stores dates and
times as ISO 8601 / UTC and shows them to people as ROC dates in Taipei time.

Formats (chosen to match the screens in the seed documents):

* long:  ``民國 108年 10月23日 星期三`` -- month and day are *not* zero-padded
  (``民國 109年 1月5日 星期日``), as on the Judicial Yuan portal;
* short: ``108/10/23`` -- month and day zero-padded to two digits, the year not
  padded (``99/01/05``), as in case lists and court forms.

Datetimes are converted to Asia/Taipei before formatting. A naive datetime is taken to
be UTC, because that is how JES stores times (SQLite drops the offset).

Dates before 民國 1年 (1912-01-01) are refused: they never occur in court e-services
and "民國前" years would complicate every format.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ROC_EPOCH_OFFSET",
    "TAIPEI",
    "WEEKDAYS",
    "format_roc_date",
    "format_roc_date_short",
    "format_roc_datetime",
    "from_roc_year",
    "parse_roc_date",
    "to_roc_year",
    "to_taipei",
]

ROC_EPOCH_OFFSET = 1911
"""Gregorian year = ROC year + 1911."""

WEEKDAYS: tuple[str, ...] = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
"""Weekday names indexed by ``date.weekday()`` (Monday = 0)."""


def _load_taipei() -> tzinfo:
    # The library must work without the tzdata package (e.g. on Windows). Taiwan has
    # kept UTC+8 without daylight saving since 1980, so a fixed offset is exact for
    # every date JES handles.
    try:
        return ZoneInfo("Asia/Taipei")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=8), "Asia/Taipei")


TAIPEI: tzinfo = _load_taipei()
"""The Asia/Taipei time zone."""


def to_roc_year(year: int) -> int:
    """Gregorian year -> ROC year (2019 -> 108). Raises ValueError before 1912."""
    if year <= ROC_EPOCH_OFFSET:
        raise ValueError(f"西元 {year} 年早於民國元年（1912 年），無法換算為民國年")
    return year - ROC_EPOCH_OFFSET


def from_roc_year(roc_year: int) -> int:
    """ROC year -> Gregorian year (108 -> 2019). Raises ValueError for years below 1."""
    if roc_year < 1:
        raise ValueError(f"民國年必須大於 0：{roc_year}")
    return roc_year + ROC_EPOCH_OFFSET


def to_taipei(dt: datetime) -> datetime:
    """Convert a datetime to Taipei time; a naive datetime is taken to be UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(TAIPEI)


def _as_local_date(d: date) -> date:
    # datetime is a subclass of date, so it must be checked first.
    if isinstance(d, datetime):
        return to_taipei(d).date()
    return d


def format_roc_date(d: date) -> str:
    """``民國 108年 10月23日 星期三``; a datetime is shown as its Taipei date."""
    local = _as_local_date(d)
    year = to_roc_year(local.year)
    return f"民國 {year}年 {local.month}月{local.day}日 {WEEKDAYS[local.weekday()]}"


def format_roc_datetime(dt: datetime) -> str:
    """``民國 108年 10月23日 星期三 16:52:38`` in Taipei time (naive = UTC)."""
    local = to_taipei(dt)
    return f"{format_roc_date(local.date())} {local:%H:%M:%S}"


def format_roc_date_short(d: date) -> str:
    """``108/10/23``; a datetime is shown as its Taipei date."""
    local = _as_local_date(d)
    return f"{to_roc_year(local.year)}/{local.month:02d}/{local.day:02d}"


# All patterns run on NFKC-normalized text, so full-width digits, slashes and spaces
# typed with a Chinese input method are already ASCII here.
_SEPARATED = re.compile(r"(\d{1,3})([/.-])(\d{1,2})\2(\d{1,2})")
# Compact form: the last four digits are MMDD, the rest is the year. Two or three year
# digits only: a 5-digit string is far more likely a typo than a date in 1912-1920.
_COMPACT = re.compile(r"(\d{2,3})(\d{2})(\d{2})")
_LONG = re.compile(
    r"(?:(?:中華)?民國)?\s*(\d{1,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
    r"(?:\s*(星期[一二三四五六日天]))?"
)


def parse_roc_date(text: str) -> date:
    """Parse an ROC date typed by a person or produced by this module.

    Accepted:

    * ``108/10/23``, ``108-10-23``, ``108.10.23``, month and day padded or not;
    * ``1081023``: 2-3 year digits, then MMDD;
    * ``民國108年10月23日``, with or without spaces, with ``民國``, ``中華民國`` or
      no prefix, and with an optional trailing weekday (``星期三``, checked against
      the date) so that the output of `format_roc_date` parses back.

    Full-width characters and surrounding whitespace are accepted.

    Raises ValueError with a zh-TW message for anything else or a date that does not
    exist.
    """
    s = unicodedata.normalize("NFKC", text).strip()
    weekday: str | None = None
    if m := _SEPARATED.fullmatch(s):
        y, mo, d = m.group(1), m.group(3), m.group(4)
    elif m := _COMPACT.fullmatch(s):
        y, mo, d = m.groups()
    elif m := _LONG.fullmatch(s):
        y, mo, d, weekday = m.groups()
    else:
        raise ValueError(
            f"日期格式錯誤：「{text}」，請輸入民國日期，例如 108/10/23 或 民國108年10月23日"
        )
    roc_year = int(y)
    if roc_year < 1:
        raise ValueError(f"日期錯誤：「{text}」，民國年必須大於 0")
    try:
        result = date(from_roc_year(roc_year), int(mo), int(d))
    except ValueError:
        raise ValueError(
            f"日期不存在：「{text}」（民國 {roc_year}年 {int(mo)}月{int(d)}日）"
        ) from None
    if weekday is not None:
        expected = WEEKDAYS[result.weekday()]
        # 星期天 is a common spoken variant of 星期日.
        if weekday.replace("天", "日") != expected:
            raise ValueError(f"日期與星期不符：「{text}」，該日為{expected}")
    return result

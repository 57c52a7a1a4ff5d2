"""Template filters: ROC dates and times from protobuf timestamps, in Taipei time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from google.protobuf.timestamp_pb2 import Timestamp

from jes_zhtw import format_roc_date, format_roc_date_short, format_roc_datetime, to_taipei


def roc_today() -> str:
    """e.g. 民國 115年 11月21日 星期六, as the seed's pages show at the top."""
    return format_roc_date(to_taipei(datetime.now(UTC)).date())


def roc_now() -> str:
    """e.g. 民國 115年 11月21日 星期六 14:27:11 (Taipei time), the seed's date line."""
    return format_roc_datetime(datetime.now(UTC))


def _as_datetime(value: Timestamp | datetime | None) -> datetime | None:
    if isinstance(value, Timestamp):
        if not value.seconds and not value.nanos:
            return None
        return value.ToDatetime(tzinfo=UTC)
    return value


def roc_datetime(value: Timestamp | datetime | None) -> str:
    moment = _as_datetime(value)
    return format_roc_datetime(moment) if moment else ""


def roc_date(value: Timestamp | datetime | None) -> str:
    moment = _as_datetime(value)
    return format_roc_date(moment) if moment else ""


def roc_short(value: Timestamp) -> str:
    """``115/11/22 09:49`` (Taipei time): the compact form for table columns."""
    if not value.seconds and not value.nanos:
        return ""
    local = to_taipei(value.ToDatetime(tzinfo=UTC))
    return f"{format_roc_date_short(local)} {local:%H:%M}"


def roc_day(value: str) -> str:
    """An ISO day from a service (2026-12-01) as 115/12/01; anything else as it is."""
    try:
        return format_roc_date_short(date.fromisoformat(value))
    except ValueError:
        return value


def waited(value: Timestamp, now: datetime | None = None) -> str:
    """How long since `value`, as a clerk reads a queue: 3 天 4 小時, 2 小時 5 分, 12 分."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    minutes = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小時"
    if hours:
        return f"{hours} 小時 {minutes} 分"
    return f"{minutes} 分"


def register(app: Flask) -> None:
    app.jinja_env.filters["roc_datetime"] = roc_datetime
    app.jinja_env.filters["roc_date"] = roc_date
    app.jinja_env.filters["roc_short"] = roc_short
    app.jinja_env.filters["waited"] = waited
    app.jinja_env.filters["roc_day"] = roc_day
    app.jinja_env.globals["roc_today"] = roc_today
    app.jinja_env.globals["roc_now"] = roc_now

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfoNotFoundError

import pytest

from jes_zhtw import roc
from jes_zhtw.roc import (
    format_roc_date,
    format_roc_date_short,
    format_roc_datetime,
    from_roc_year,
    parse_roc_date,
    to_roc_year,
    to_taipei,
)

OCT_23 = date(2019, 10, 23)


def test_year_conversion() -> None:
    assert to_roc_year(2019) == 108
    assert to_roc_year(1912) == 1
    assert from_roc_year(108) == 2019
    assert from_roc_year(1) == 1912


@pytest.mark.parametrize("year", [1911, 1900, 0])
def test_to_roc_year_refuses_years_before_the_republic(year: int) -> None:
    with pytest.raises(ValueError, match="早於民國元年"):
        to_roc_year(year)


@pytest.mark.parametrize("year", [0, -1])
def test_from_roc_year_refuses_non_positive(year: int) -> None:
    with pytest.raises(ValueError, match="民國年必須大於 0"):
        from_roc_year(year)


def test_long_format_matches_the_seed_screens() -> None:
    # Seed 000 shows "民國 108年 10月23日 星期三 16:52:38"; seed 001 "民國 111年 4月18日"
    # (month not padded) on a Monday.
    assert format_roc_date(OCT_23) == "民國 108年 10月23日 星期三"
    assert format_roc_date(date(2022, 4, 18)) == "民國 111年 4月18日 星期一"
    assert format_roc_date(date(2020, 1, 5)) == "民國 109年 1月5日 星期日"


def test_every_weekday_name() -> None:
    monday = date(2024, 1, 1)
    names = [format_roc_date(monday + timedelta(days=i)).split()[-1] for i in range(7)]
    assert names == ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]


def test_short_format_pads_month_and_day() -> None:
    assert format_roc_date_short(OCT_23) == "108/10/23"
    assert format_roc_date_short(date(2010, 1, 5)) == "99/01/05"


def test_format_refuses_dates_before_the_republic() -> None:
    with pytest.raises(ValueError):
        format_roc_date(date(1911, 12, 31))
    with pytest.raises(ValueError):
        format_roc_date_short(date(1911, 12, 31))


def test_utc_datetime_is_shown_in_taipei_time() -> None:
    # 16:30 UTC is 00:30 the next day in Taipei (UTC+8): the date must move.
    late = datetime(2019, 10, 23, 16, 30, tzinfo=UTC)
    assert format_roc_date(late) == "民國 108年 10月24日 星期四"
    assert format_roc_date_short(late) == "108/10/24"
    assert format_roc_datetime(late) == "民國 108年 10月24日 星期四 00:30:00"


def test_naive_datetime_is_taken_as_utc() -> None:
    # JES stores UTC and SQLite returns naive datetimes.
    naive = datetime(2019, 10, 23, 8, 52, 38)
    assert format_roc_datetime(naive) == "民國 108年 10月23日 星期三 16:52:38"
    assert format_roc_date(datetime(2019, 10, 23, 16, 0)) == "民國 108年 10月24日 星期四"


def test_other_offsets_are_converted() -> None:
    tokyo = timezone(timedelta(hours=9))
    dt = datetime(2019, 10, 24, 0, 30, tzinfo=tokyo)  # 23:30 on the 23rd in Taipei
    assert format_roc_date_short(dt) == "108/10/23"
    assert to_taipei(dt).hour == 23


def test_taipei_fallback_without_tz_database(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(key: str) -> None:
        raise ZoneInfoNotFoundError(key)

    monkeypatch.setattr(roc, "ZoneInfo", missing)
    tz = roc._load_taipei()
    assert tz.utcoffset(datetime(2024, 7, 1)) == timedelta(hours=8)


@pytest.mark.parametrize(
    "text",
    [
        "108/10/23",
        "108-10-23",
        "108.10.23",
        "1081023",
        "民國108年10月23日",
        "民國 108年 10月23日",
        "民國 108 年 10 月 23 日",
        "中華民國108年10月23日",
        "108年10月23日",
        "民國 108年 10月23日 星期三",
        "民國108年10月23日星期三",
        "  108/10/23\n",
        "１０８／１０／２３",  # full-width, as typed with a Chinese input method
        "民國　１０８年１０月２３日",
    ],
)
def test_parse_accepted_forms(text: str) -> None:
    assert parse_roc_date(text) == OCT_23


def test_parse_unpadded_and_short_years() -> None:
    assert parse_roc_date("109/1/5") == date(2020, 1, 5)
    assert parse_roc_date("990105") == date(2010, 1, 5)
    assert parse_roc_date("1/1/1") == date(1912, 1, 1)
    assert parse_roc_date("民國 109年 1月5日 星期天") == date(2020, 1, 5)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "2019/10/23",  # Gregorian year: refused, not silently misread
        "2019-10-23",
        "108/10",
        "108/10-23",  # mixed separators
        "10810233",
        "10810",  # five digits: too likely a typo
        "108/10/23/1",
        "民國108年10月",
        "民國108年10月23",
        "民國 108年 10月23日 星期",
        "中華108年10月23日",
        "108/10/23 12:00",
    ],
)
def test_parse_rejects_bad_format(text: str) -> None:
    with pytest.raises(ValueError, match="日期格式錯誤"):
        parse_roc_date(text)


@pytest.mark.parametrize(
    "text", ["108/02/29", "109/02/30", "108/13/01", "108/00/10", "1080431", "108102"]
)
def test_parse_rejects_dates_that_do_not_exist(text: str) -> None:
    with pytest.raises(ValueError, match="日期不存在"):
        parse_roc_date(text)


def test_parse_rejects_year_zero() -> None:
    with pytest.raises(ValueError, match="民國年必須大於 0"):
        parse_roc_date("0/10/23")


def test_parse_checks_the_weekday() -> None:
    with pytest.raises(ValueError, match="該日為星期三"):
        parse_roc_date("民國 108年 10月23日 星期四")


def test_leap_day_round_trip() -> None:
    assert parse_roc_date("109/02/29") == date(2020, 2, 29)


def test_round_trip_every_day() -> None:
    # Every day from 民國元年 to 2100 through both formats (and the compact form).
    d, end = date(1912, 1, 1), date(2100, 12, 31)
    while d <= end:
        short = format_roc_date_short(d)
        assert parse_roc_date(format_roc_date(d)) == d
        assert parse_roc_date(short) == d
        if d.year >= 1921:  # compact form needs 2-3 year digits
            assert parse_roc_date(short.replace("/", "")) == d
        d += timedelta(days=1)

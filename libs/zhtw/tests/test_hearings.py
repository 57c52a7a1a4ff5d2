"""A hearing (庭期) in words, the one format pages, mails and feeds use."""

from jes_zhtw import format_hearing


def test_a_hearing_has_its_absolute_roc_date_weekday_time_place_and_kind() -> None:
    # seed 002: 101/08/10 10:00第一法庭言詞辯論
    assert format_hearing("2012-08-10T10:00", "第一法庭", "言詞辯論") == (
        "民國 101年 8月10日 星期五 10:00 第一法庭 言詞辯論"
    )


def test_missing_parts_are_left_out() -> None:
    assert format_hearing("2012-08-10T10:00", "", "宣判") == "民國 101年 8月10日 星期五 10:00 宣判"
    assert format_hearing("2012-08-10T14:30", "", "") == "民國 101年 8月10日 星期五 14:30"


def test_no_time_no_hearing() -> None:
    assert format_hearing("", "第一法庭", "言詞辯論") == ""


def test_a_time_that_is_not_iso_is_shown_as_sent() -> None:
    assert format_hearing("下週一上午", "第一法庭", "") == "下週一上午 第一法庭"

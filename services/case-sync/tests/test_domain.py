"""Case-sync's rules without a server: case keys (the one case-number rule of jes_zhtw),
coverage, progress entries and followers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from jes_case_sync.domain.cases import (
    CATEGORIES,
    JUVENILE,
    CaseKey,
    case_key_problems,
    require_covered,
    validate_case,
)
from jes_case_sync.domain.entries import (
    HearingInput,
    ProgressInput,
    entry_problems,
    hearing_in_text,
    posted_on_date,
)
from jes_case_sync.domain.followers import (
    FOLLOWER_ROLES,
    follower_email,
    validate_application,
)
from jes_domain import FailedPrecondition, InvalidArgument

KEY = CaseKey(court_code="TPD", category="民事", year=113, word="訴", number=1)
TODAY = date(2026, 11, 30)


def key(**overrides) -> CaseKey:
    return CaseKey(**{**KEY.fields(), **overrides})


def test_a_valid_case_key_has_no_problems():
    assert case_key_problems(KEY) == {}


def test_the_four_categories_of_the_seed_are_covered():
    assert CATEGORIES == ("民事", "家事", "刑事", "行政")
    for category in CATEGORIES:
        validate_case(key(category=category))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"court_code": "tpd"}, "case.court_code"),
        ({"court_code": "XXX"}, "case.court_code"),
        ({"category": "商事"}, "case.category"),
        ({"category": ""}, "case.category"),
        ({"year": 0}, "case.number"),
        ({"number": 0}, "case.number"),
        ({"word": ""}, "case.number"),
        ({"word": "ABC"}, "case.number"),
        ({"word": "訴訴訴訴訴訴訴"}, "case.number"),  # 7 characters
        ({"word": "年度司執字第"}, "case.number"),  # a piece of a formal number
    ],
)
def test_case_key_problems_name_the_field(overrides, field):
    assert set(case_key_problems(key(**overrides))) == {field}
    with pytest.raises(InvalidArgument) as bad:
        validate_case(key(**overrides))
    assert set(bad.value.fields) == {field}


def test_a_juvenile_case_is_refused_as_not_covered_by_its_category():
    with pytest.raises(FailedPrecondition) as refused:
        validate_case(key(category=JUVENILE, word="少調"))
    assert refused.value.message == "少年事件不在案件進度查詢服務的範圍"
    assert set(refused.value.fields) == {"case.category"}


@pytest.mark.parametrize("word", ["少調", "少護", "少連上", "少刑"])
@pytest.mark.parametrize("category", ["刑事", "家事"])
def test_a_juvenile_case_word_is_refused_whatever_the_category(word, category):
    with pytest.raises(FailedPrecondition) as refused:
        require_covered(key(category=category, word=word))
    assert set(refused.value.fields) == {"case.word"}


def test_a_malformed_case_is_invalid_before_it_is_uncovered():
    with pytest.raises(InvalidArgument):
        validate_case(key(category=JUVENILE, court_code="XXX"))


@pytest.mark.parametrize("word", ["簡", "訴", "簡上", "上", "上易", "家訴", "易", "交簡", "行"])
def test_summary_first_and_second_instance_words_are_covered(word):
    validate_case(key(word=word))


def test_the_case_number_both_ways_comes_from_the_one_rule():
    case = key(year=100, word="訴", number=992032)
    assert case.case_number.dotted() == "100.訴.992032"
    assert case.case_number.formal() == "100年度訴字第992032號"


# -- entries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "2024/11/20", "2024-02-30", "113-11-20", "20241120", "2024-W47-3"]
)
def test_only_iso_posting_dates(text):
    assert posted_on_date(text) is None


def entry(**overrides) -> ProgressInput:
    fields = {"source_entry_id": "e-1", "posted_on": "2024-11-20", "item": "定期言詞辯論"}
    return ProgressInput(**{**fields, **overrides})


def test_a_valid_entry_is_kept_trimmed_with_its_date():
    valid, problems = entry_problems(entry(item="  準備程序 "), TODAY)
    assert problems == {}
    assert valid is not None
    assert (valid.posted_on, valid.item, valid.hearing) == (date(2024, 11, 20), "準備程序", None)


def test_every_problem_of_an_entry_at_once():
    valid, problems = entry_problems(ProgressInput(" ", "2024/11/20", "  "), TODAY)
    assert valid is None
    assert set(problems) == {"entry.posted_on", "entry.item", "entry.source_entry_id"}


def test_a_posting_date_after_today_in_taipei_is_refused():
    assert entry_problems(entry(posted_on="2026-11-30"), TODAY)[1] == {}
    _, problems = entry_problems(entry(posted_on="2026-12-01"), TODAY)
    assert set(problems) == {"entry.posted_on"}
    assert "未來" in problems["entry.posted_on"]


def test_an_entry_with_no_text_is_refused():
    _, problems = entry_problems(entry(item="\u3000 \n"), TODAY)
    assert problems == {"entry.item": "登載事項不可空白"}


def test_overlong_text_and_source_ids_are_refused():
    _, problems = entry_problems(entry(item="字" * 2001, source_entry_id="x" * 65), TODAY)
    assert set(problems) == {"entry.item", "entry.source_entry_id"}


def test_the_field_prefix_follows_the_message():
    _, problems = entry_problems(entry(item=""), TODAY, prefix="correct")
    assert set(problems) == {"correct.item"}


def test_a_hearing_is_read_from_the_seeds_text():
    hearing = hearing_in_text("101/08/10 10:00第一法庭言詞辯論")
    assert hearing is not None
    assert hearing.starts_at == datetime(2012, 8, 10, 10, 0)
    assert (hearing.place, hearing.kind) == ("第一法庭", "言詞辯論")


@pytest.mark.parametrize("text", ["準備程序", "函查", "101/02/30 10:00 第一法庭"])
def test_texts_without_a_real_hearing_have_none(text):
    assert hearing_in_text(text) is None


def test_a_hearing_sent_by_the_court_wins_and_is_checked():
    sent = entry(item="通知開庭", hearing=HearingInput("2026-12-10T14:30", "第5法庭", "準備程序"))
    valid, _ = entry_problems(sent, TODAY)
    assert valid is not None and valid.hearing is not None
    assert valid.hearing.local_text() == "2026-12-10T14:30"
    _, problems = entry_problems(entry(hearing=HearingInput("12/10 14:30", "", "")), TODAY)
    assert set(problems) == {"entry.hearing.starts_at"}


# -- followers -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", FOLLOWER_ROLES)
def test_a_follower_email_is_kept_trimmed_and_lower_case(role):
    assert follower_email(KEY, " Zhang@Example.com ", role) == "zhang@example.com"


def test_the_four_follower_roles_of_the_seed():
    assert FOLLOWER_ROLES == ("當事人", "法定代理人", "訴訟代理人", "辯護人")


def test_follower_problems():
    with pytest.raises(InvalidArgument) as bad:
        follower_email(key(word="ABC"), "not-an-email", "朋友")
    assert bad.value.message == "追蹤申請資料有誤"
    assert set(bad.value.fields) == {"case.number", "email", "role"}


def test_a_juvenile_case_cannot_be_followed():
    with pytest.raises(FailedPrecondition):
        validate_application(key(word="少護"), "a@example.com", "當事人")

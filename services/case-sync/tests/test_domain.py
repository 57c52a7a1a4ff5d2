"""Case-sync's rules without a server: case keys (the one case-number rule of jes_zhtw),
progress entries and followers."""

from __future__ import annotations

from datetime import date

import pytest

from jes_case_sync.domain.cases import (
    CaseKey,
    ProgressInput,
    case_key_problems,
    listed_entries,
    posted_on_date,
    validate_progress,
)
from jes_case_sync.domain.followers import FOLLOWER_ROLES, follower_email
from jes_domain import InvalidArgument

KEY = CaseKey(court_code="TPD", category="民事", year=113, word="訴", number=1)


def key(**overrides) -> CaseKey:
    return CaseKey(**{**KEY.fields(), **overrides})


def test_a_valid_case_key_has_no_problems():
    assert case_key_problems(KEY) == {}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"court_code": "tpd"}, "case.court_code"),
        ({"court_code": "XXX"}, "case.court_code"),
        ({"category": "商事"}, "case.category"),
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


@pytest.mark.parametrize(
    "text", ["", "2024/11/20", "2024-02-30", "113-11-20", "20241120", "2024-W47-3"]
)
def test_only_iso_posting_dates(text):
    assert posted_on_date(text) is None


def test_a_valid_entry_gives_its_posting_date():
    entry = ProgressInput(source_entry_id="e-1", posted_on="2024-11-20", item="定期言詞辯論")
    assert validate_progress(KEY, entry) == date(2024, 11, 20)


def test_every_problem_of_an_entry_at_once():
    with pytest.raises(InvalidArgument) as bad:
        validate_progress(key(category=""), ProgressInput(" ", "2024/11/20", "  "))
    assert bad.value.message == "進度資料有誤"
    assert set(bad.value.fields) == {
        "case.category",
        "entry.posted_on",
        "entry.item",
        "entry.source_entry_id",
    }


def test_listing_shows_three_unless_asked():
    assert (listed_entries(0), listed_entries(10)) == (3, 10)


@pytest.mark.parametrize("role", FOLLOWER_ROLES)
def test_a_follower_email_is_kept_trimmed_and_lower_case(role):
    assert follower_email(KEY, " Zhang@Example.com ", role) == "zhang@example.com"


def test_follower_problems():
    with pytest.raises(InvalidArgument) as bad:
        follower_email(key(word="ABC"), "not-an-email", "朋友")
    assert bad.value.message == "追蹤申請資料有誤"
    assert set(bad.value.fields) == {"case.number", "email", "role"}

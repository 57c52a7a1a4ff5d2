import dataclasses

import pytest

from jes_zhtw import CaseNumber, case_word_problem, parse_case_number

EXAMPLE = CaseNumber(107, "司執", 999)


def test_formats() -> None:
    # DESIGN.md §3 examples.
    assert EXAMPLE.dotted() == "107.司執.000999"
    assert EXAMPLE.formal() == "107年度司執字第999號"
    assert str(EXAMPLE) == "107.司執.000999"


def test_seed_examples() -> None:
    # Seed 002 shows 100.訴.992032, seed 001 shows 109.他.000025.
    assert parse_case_number("100.訴.992032") == CaseNumber(100, "訴", 992032)
    assert parse_case_number("109.他.000025") == CaseNumber(109, "他", 25)


def test_the_seed_002_web_form_without_the_first_dot() -> None:
    # Seed 002's web query result shows 案號：100訴.992032 (its phone view 100.訴.992032).
    assert parse_case_number("100訴.992032") == CaseNumber(100, "訴", 992032)
    assert parse_case_number("１０７司執．０００９９９") == EXAMPLE


def test_seven_digit_numbers_are_not_truncated() -> None:
    assert CaseNumber(99, "簡上", 1234567).dotted() == "99.簡上.1234567"


@pytest.mark.parametrize(
    "text",
    [
        "107.司執.000999",
        "107.司執.999",
        "107年度司執字第999號",
        "107年度司執字第000999號",
        "107年司執字第999號",
        "107 年度 司執 字 第 999 號",
        "107-司執-999",
        "107 司執 999",
        "107/司執/999",
        "  107.司執.000999  ",
        "１０７年度司執字第９９９號",  # full-width digits
        "１０７．司執．０００９９９",  # full-width dots
        "107\u3000司執\u3000999",  # ideographic spaces
    ],
)
def test_parse_accepted_forms(text: str) -> None:
    assert parse_case_number(text) == EXAMPLE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1年度他字第1號", CaseNumber(1, "他", 1)),
        ("113年度家親聲字第12號", CaseNumber(113, "家親聲", 12)),
        ("112年度簡上附民字第3號", CaseNumber(112, "簡上附民", 3)),
        ("112.訴.1", CaseNumber(112, "訴", 1)),
    ],
)
def test_parse_various_words(text: str, expected: CaseNumber) -> None:
    assert parse_case_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "107",
        "107.司執",
        "司執.999",
        "107.AB.999",  # word must be Han characters
        "107.司A.999",
        "107.司執1.999",
        "107.司執執行事件聲.999",  # 7 characters
        "1070.司執.999",  # 4-digit year
        "107.司執.12345678",  # 8-digit number
        "107..司執.999",
        "107年度司執第999號",  # missing 字
        "107.司執.999號",
        "107司執999",  # no separator: too easy to confuse with a broken formal number
        "107年度司執字第999",  # missing 號
        "107 年度司執字第 999",
        "107 司執字 999",
        "107.年度司執.999",
    ],
)
def test_parse_rejects_bad_format(text: str) -> None:
    with pytest.raises(ValueError, match="案號格式錯誤"):
        parse_case_number(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.司執.999", "案號年度錯誤"),
        ("000年度司執字第1號", "案號年度錯誤"),
        ("107.司執.0", "案號號數錯誤"),
        ("107.司執.000000", "案號號數錯誤"),
    ],
)
def test_parse_rejects_zero_year_and_number(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_case_number(text)


@pytest.mark.parametrize(
    ("year", "word", "number", "message"),
    [
        (0, "訴", 1, "案號年度錯誤"),
        (1000, "訴", 1, "案號年度錯誤"),
        (107, "", 1, "案號字別錯誤"),
        (107, "su", 1, "案號字別錯誤"),
        (107, "司 執", 1, "案號字別錯誤"),
        (107, "一二三四五六七", 1, "案號字別錯誤"),
        (107, "訴", 0, "案號號數錯誤"),
        (107, "訴", 10_000_000, "案號號數錯誤"),
    ],
)
def test_constructor_validates(year: int, word: str, number: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CaseNumber(year, word, number)


def test_frozen_hashable_and_ordered() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        EXAMPLE.number = 1  # type: ignore[misc]
    assert len({EXAMPLE, CaseNumber(107, "司執", 999)}) == 1
    assert sorted(
        [CaseNumber(108, "訴", 1), CaseNumber(107, "訴", 2), CaseNumber(107, "訴", 1)]
    ) == [
        CaseNumber(107, "訴", 1),
        CaseNumber(107, "訴", 2),
        CaseNumber(108, "訴", 1),
    ]


def test_round_trip() -> None:
    words = ["司執", "訴", "他", "簡上", "家親聲", "簡上附民", "聲再"]
    for year in (1, 9, 10, 99, 100, 107, 999):
        for word in words:
            for number in (1, 9, 999, 999_999, 1_000_000, 9_999_999):
                case = CaseNumber(year, word, number)
                assert parse_case_number(case.dotted()) == case
                assert parse_case_number(case.formal()) == case
                assert parse_case_number(str(case)) == case


@pytest.mark.parametrize(
    "word",
    ["司執司執司執司", "ABC", "司執A", "年度司執字第", "司執字", "執第", "年司執", "司執號", ""],
)
def test_the_one_case_word_rule_refuses(word: str) -> None:
    assert case_word_problem(word) is not None
    with pytest.raises(ValueError, match="字別"):
        CaseNumber(107, word, 1)


@pytest.mark.parametrize("word", ["司執", "訴", "重訴", "司執消債更", "簡上附民移調"])
def test_the_one_case_word_rule_accepts(word: str) -> None:
    assert case_word_problem(word) is None
    assert CaseNumber(107, word, 1).word == word


# -- the three boxes of a 年/字/號 form, as people fill them (issue 13) -------------------

from jes_zhtw import MAX_BATCH, CaseNumberInvalid, batch_problem, read_batch, read_case_number  # noqa: E402

PASTED = CaseNumber(114, "司執", 12345)


@pytest.mark.parametrize(
    ("year", "word", "number"),
    [
        ("114", "司執", "12345"),
        ("114年度司執字第12345號", "", ""),  # a whole number pasted into the first box
        ("", "114年度司執字第12345號", ""),
        ("", "", "114.司執.12345"),
        ("114 司執 12345", "", ""),
        ("114.司執.012345", "", ""),
        ("１１４", "司執", "１２３４５"),  # full-width digits
        ("114年度", "司執字", "第12345號"),  # the formal pieces in their boxes
        ("114年", "司執", "12345號"),
        (" 114 ", " 司 執 ", " 12345 "),
        ("民國114年", "年度司執字第", "012345"),
    ],
)
def test_read_case_number_takes_what_people_paste(year: str, word: str, number: str) -> None:
    assert read_case_number(year, word, number) == PASTED


def test_read_case_number_never_doubles_the_word() -> None:
    """司執字 in 字別 is 司執: never a 司執字字 case."""
    case = read_case_number("114", "司執字", "1")
    assert case.word == "司執" and case.formal() == "114年度司執字第1號"


def test_read_case_number_reports_every_box_at_once() -> None:
    with pytest.raises(CaseNumberInvalid) as refused:
        read_case_number("1140", "ABC", "12x")
    fields = refused.value.fields
    assert set(fields) == {"year", "word", "number"}
    assert "年度" in fields["year"] and "1140" in fields["year"]
    assert "字別" in fields["word"] and "ABC" in fields["word"]
    assert "號" in fields["number"] and "12x" in fields["number"]


@pytest.mark.parametrize(
    ("year", "word", "number", "field", "message"),
    [
        ("", "司執", "1", "year", "請輸入年度"),
        ("abc", "司執", "1", "year", "請輸入年度"),
        ("0", "司執", "1", "year", "案號年度錯誤"),
        ("114", "", "1", "word", "請輸入字別"),
        ("114", "x", "1", "word", "案號字別錯誤"),
        ("114", "字", "1", "word", "案號字別錯誤"),
        ("114", "司執", "", "number", "請輸入號"),
        ("114", "司執", "0", "number", "案號號數錯誤"),
        ("114", "司執", "10000000", "number", "案號號數錯誤"),
    ],
)
def test_read_case_number_names_the_box(
    year: str, word: str, number: str, field: str, message: str
) -> None:
    with pytest.raises(CaseNumberInvalid) as refused:
        read_case_number(year, word, number)
    assert list(refused.value.fields) == [field]
    assert message in refused.value.fields[field]


@pytest.mark.parametrize(
    ("text", "batch"), [("", 1), ("1", 1), ("２", 2), (" 99 ", 99), ("第3批", 3)]
)
def test_read_batch(text: str, batch: int) -> None:
    assert read_batch(text) == batch


@pytest.mark.parametrize("text", ["0", "100", "1000000000000", "-1", "abc", "1.5"])
def test_a_batch_out_of_range_gets_a_message_about_the_batch(text: str) -> None:
    with pytest.raises(ValueError, match="批次") as refused:
        read_batch(text)
    assert "案號" not in str(refused.value)
    assert batch_problem(int(text)) is not None if text.lstrip("-").isdigit() else True
    assert MAX_BATCH == 99

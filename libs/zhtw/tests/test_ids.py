import string

import pytest

from jes_zhtw import (
    is_valid_business_number,
    is_valid_national_id,
    is_valid_resident_certificate,
    validate_business_number,
    validate_national_id,
    validate_resident_certificate,
)

# Published examples. Sources:
# * A123456789, A800000014, AC01234567 (valid), A123456700, A123456788, A800000015
#   (invalid): README of github.com/guanting112/taiwan-id-validator.
# * The other IDs and certificates, and 12345675, 12345676, 04595257 (valid),
#   12345678 (invalid), 04595252 and 12345670 (valid only under the 2023 rule):
#   tests of github.com/enylin/taiwan-id-validator (src/nin-arc/index.test.ts,
#   src/gui/index.test.ts).
# * A800000005, A900000007, AB00000001, AC00000003, AD00000005: README of
#   github.com/mijimc/TaiwanNo1.
# * 22099131 (TSMC): published on business registry pages.
# Each was also checked by hand against the official tables.

NATIONAL_IDS = [
    "A123456789",
    "F131104093",
    "O158238845",
    "N116247806",
    "L122544270",
    "C180661564",
    "Y123456788",
]
RESIDENT_NEW = [
    "A800000014",
    "A800000005",
    "A900000007",
    "A900207177",
    "A803095426",
    "B801300667",
    "C800151116",
    "H802717288",
    "T900251126",
    "A930196810",
]
RESIDENT_OLD = [
    "AC01234567",
    "AA00000009",
    "AB00000001",
    "AC00000003",
    "AD00000005",
    "AB00207171",
    "AC03095424",
    "BD01300667",
    "CC00151114",
    "HD02717288",
    "TD00251124",
    "AD30196818",
]


# --- national ID -------------------------------------------------------------


def test_national_id_published_example_worked_by_hand() -> None:
    # A=10: 1*1 + 0*9 + 1*8 + 2*7 + 3*6 + 4*5 + 5*4 + 6*3 + 7*2 + 8*1 + 9*1 = 130
    assert is_valid_national_id("A123456789")


@pytest.mark.parametrize("value", NATIONAL_IDS)
def test_national_id_valid(value: str) -> None:
    assert is_valid_national_id(value)
    assert validate_national_id(value) == value


def test_national_id_is_normalized() -> None:
    assert validate_national_id(" a123456789\t") == "A123456789"
    assert validate_national_id("Ａ１２３４５６７８９") == "A123456789"  # full-width


@pytest.mark.parametrize("value", ["A123456788", "A123456700", "F131104091", "O158238842"])
def test_national_id_bad_checksum(value: str) -> None:
    assert not is_valid_national_id(value)
    with pytest.raises(ValueError, match="身分證字號檢查碼錯誤"):
        validate_national_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "A12345678",  # too short
        "A1234567899",  # too long
        "1123456789",  # no letter
        "A323456789",  # second character must be 1 or 2
        "A823456789",  # 8/9 is a resident certificate, not a national ID
        "AA23456789",
        "A12345678X",
        "A 123456789",
        "A١23456789",  # Arabic-Indic digit: NFKC keeps it, so it must be refused
    ],
)
def test_national_id_bad_format(value: str) -> None:
    assert not is_valid_national_id(value)
    with pytest.raises(ValueError, match="身分證字號格式錯誤"):
        validate_national_id(value)


def test_error_messages_do_not_contain_the_number() -> None:
    # Personal data must not leak into logs through exception messages.
    with pytest.raises(ValueError) as info:
        validate_national_id("A123456788")
    assert "A123456788" not in str(info.value)


def test_national_id_exactly_one_check_digit_per_body() -> None:
    # A weight-1 check digit makes exactly one of 0-9 valid for every letter and body.
    for letter in string.ascii_uppercase:
        for body in ("12345678", "20000000", "19876543"):
            valid = [d for d in "0123456789" if is_valid_national_id(letter + body + d)]
            assert len(valid) == 1, (letter, body, valid)


# --- resident certificate ----------------------------------------------------


def test_resident_published_examples_worked_by_hand() -> None:
    # New A800000014: 1 + 0 + 8*8 + 1*1 + 4 = 70.
    # Old AC01234567: 1 + 0 + 2*8 (C=12 -> 2) + 0*7 + 1*6 + 2*5 + 3*4 + 4*3 + 5*2
    # + 6*1 + 7 = 80.
    assert is_valid_resident_certificate("A800000014")
    assert is_valid_resident_certificate("AC01234567")


@pytest.mark.parametrize("value", RESIDENT_NEW + RESIDENT_OLD)
def test_resident_valid(value: str) -> None:
    assert is_valid_resident_certificate(value)
    assert validate_resident_certificate(value) == value


def test_resident_is_normalized() -> None:
    assert validate_resident_certificate(" ac01234567 ") == "AC01234567"
    assert validate_resident_certificate("Ａ８００００００１４") == "A800000014"


@pytest.mark.parametrize(
    "value", ["A800000015", "A800000000", "F931104091", "AA00000000", "AC01234568"]
)
def test_resident_bad_checksum(value: str) -> None:
    assert not is_valid_resident_certificate(value)
    with pytest.raises(ValueError, match="外來人口統一證號檢查碼錯誤"):
        validate_resident_certificate(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "A123456789",  # national ID, not a resident certificate
        "AE00000001",  # old format second letter only A-D
        "FG31104091",
        "A70000001",
        "A8000000144",
        "AC0123456",
        "1A00000009",
    ],
)
def test_resident_bad_format(value: str) -> None:
    assert not is_valid_resident_certificate(value)
    with pytest.raises(ValueError, match="外來人口統一證號格式錯誤"):
        validate_resident_certificate(value)


def test_national_ids_are_not_resident_certificates_and_vice_versa() -> None:
    assert not any(is_valid_resident_certificate(v) for v in NATIONAL_IDS)
    assert not any(is_valid_national_id(v) for v in RESIDENT_NEW + RESIDENT_OLD)


def test_resident_exactly_one_check_digit_per_body() -> None:
    for letter in string.ascii_uppercase:
        for second in ("8", "9", "A", "B", "C", "D"):
            body = letter + second + "1234567"
            valid = [d for d in "0123456789" if is_valid_resident_certificate(body + d)]
            assert len(valid) == 1, (body, valid)


# --- unified business number -------------------------------------------------


def test_business_number_published_example_worked_by_hand() -> None:
    # 0 4 5 9 5 2 5 7 x 1 2 1 2 1 2 4 1 -> 0 8 5 18 5 4 20 7 -> 0+8+5+9+5+4+2+7 = 40
    assert is_valid_business_number("04595257")


@pytest.mark.parametrize(
    "value",
    [
        "04595257",  # sum 40: valid under the old divisible-by-10 rule too
        "22099131",  # sum 30: a long-standing real number (TSMC)
        "12345676",  # 7th digit 7, sum 40 counting 28 as 10
        "12345675",  # 7th digit 7, sum 39: valid only by counting 28 as 1 (sum + 1)
        "04595252",  # sum 35: valid only under the 2023 divisible-by-5 rule
        "12345670",  # 7th digit 7, sum 34 + 1 = 35: valid only under the 2023 rule
    ],
)
def test_business_number_valid(value: str) -> None:
    assert is_valid_business_number(value)
    assert validate_business_number(value) == value


def test_business_number_is_normalized() -> None:
    assert validate_business_number(" ０４５９５２５７ ") == "04595257"


@pytest.mark.parametrize(
    "value",
    [
        "12345678",  # 7th digit 7, sum 42: neither 42 nor 43 is divisible by 5
        "04595256",  # sum 39: sum + 1 is only allowed when the 7th digit is 7
        "04595258",
        "00000001",
    ],
)
def test_business_number_bad_checksum(value: str) -> None:
    assert not is_valid_business_number(value)
    with pytest.raises(ValueError, match="統一編號檢查碼錯誤"):
        validate_business_number(value)


@pytest.mark.parametrize(
    "value", ["", "1234567", "123456789", "1234567A", "04-595257", "0459 5257"]
)
def test_business_number_bad_format(value: str) -> None:
    assert not is_valid_business_number(value)
    with pytest.raises(ValueError, match="統一編號格式錯誤"):
        validate_business_number(value)


def test_business_number_two_check_digits_per_body() -> None:
    # Divisible by 5 with a weight-1 last digit: exactly two of 0-9 are valid when the
    # 7th digit is not 7; with 7 the extra "sum + 1" option adds two more.
    for body in ("0459525", "1234565", "9999990", "0000000"):
        assert sum(is_valid_business_number(body + d) for d in "0123456789") == 2
    for body in ("1234567", "0000007", "9999997"):
        assert sum(is_valid_business_number(body + d) for d in "0123456789") == 4

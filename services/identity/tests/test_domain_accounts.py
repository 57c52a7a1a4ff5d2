"""Account rules without a server: firm account ids, login names, roles, and what a user
may change of their own account."""

from __future__ import annotations

import pytest

from jes_domain import InvalidArgument
from jes_identity.domain.accounts import (
    is_possible_account_id,
    next_firm_account_id,
    normalize_account_id,
    validate_account_update,
)


@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        ([], "TPDF0001"),
        (["TPDF0001"], "TPDF0002"),
        (["TPDF0001", "TPDF0007", "TPDF0003"], "TPDF0008"),
        (["TPDF9999"], "TPDF10000"),
        # other courts' ids and ids that are not a number after the prefix do not count
        (["TCDF0005", "TPDFIRM", "TPDF00A1", "TPDCLERK"], "TPDF0001"),
    ],
)
def test_next_firm_account_id(taken, expected):
    assert next_firm_account_id("TPD", taken) == expected


def test_a_firm_account_id_is_never_shaped_like_a_national_id():
    """A national ID is a letter and 9 digits; ours have the court and F before the number."""
    account_id = next_firm_account_id("TPD", [])
    assert account_id.isalnum() and account_id.isupper()
    assert not (len(account_id) == 10 and account_id[1:].isdigit())


def test_login_names():
    assert normalize_account_id("  tpdf0001 ") == "TPDF0001"
    assert is_possible_account_id("A" * 20)
    assert not is_possible_account_id("A" * 21)
    assert not is_possible_account_id("")


def test_a_valid_update_is_trimmed_and_the_email_lowered():
    details = validate_account_update(" 大華估價 ", " Firm@Example.COM ", " 02-1234-5678 ", " 王 ")
    assert details.display_name == "大華估價"
    assert details.email == "firm@example.com"
    assert details.phone == "02-1234-5678"
    assert details.contact_person == "王"


def test_the_contact_person_may_be_left_empty():
    assert validate_account_update("大華", "a@example.com", "0212345678", "").contact_person == ""


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"display_name": " "}, {"display_name": "請輸入名稱"}),
        ({"display_name": "名" * 101}, {"display_name": "不可超過 100 個字"}),
        ({"email": ""}, {"email": "請輸入電子郵件"}),
        ({"email": "a@b"}, {"email": "電子郵件格式不正確"}),
        ({"email": "a" * 250 + "@b.tw"}, {"email": "電子郵件格式不正確"}),
        ({"phone": ""}, {"phone": "請輸入電話"}),
        ({"phone": "call me"}, {"phone": "電話格式不正確"}),
        ({"contact_person": "王" * 51}, {"contact_person": "不可超過 50 個字"}),
    ],
)
def test_update_problems(changes, fields):
    values = {
        "display_name": "大華",
        "email": "a@example.com",
        "phone": "0212345678",
        "contact_person": "",
        **changes,
    }
    with pytest.raises(InvalidArgument) as error:
        validate_account_update(**values)
    assert error.value.message == "資料有誤，請修正後再送出"
    assert error.value.fields == fields

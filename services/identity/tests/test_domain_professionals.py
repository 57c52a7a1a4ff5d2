"""The rules of a professional's application: what each kind must give, the checks of
every field, and the status table."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from jes_domain import FailedPrecondition, InvalidArgument
from jes_identity.domain.accounts import account_id_problem
from jes_identity.domain.professionals import (
    TRANSITIONS,
    ProfessionalStatus,
    ProfessionKind,
    Step,
    advance,
    validate_professional_decision,
    validate_professional_form,
)

TODAY = date(2026, 11, 30)


def fields(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "lawyer",
        "account_id": "lawchen01",
        "name": "陳律師",
        "gender": "female",
        "national_id": " a223456781 ",
        "is_resident_certificate": False,
        "birth_date": "0611218",
        "licence_number": "(95)台檢證字第1234號",
        "association": "台北律師公會",
        "office_name": "",
        "address": "臺北市中正區重慶南路一段124號",
        "phone": "02-2361-8577",
        "mobile": "",
        "email": " Chen@Example.COM ",
        "fax": "",
        "today": TODAY,
    }
    values.update(changes)
    return values


def problems_of(**changes: Any) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as caught:
        validate_professional_form(**fields(**changes))
    return caught.value.fields


def test_a_valid_form_is_normalised():
    form = validate_professional_form(**fields())
    assert form.kind == ProfessionKind.LAWYER
    assert form.account_id == "LAWCHEN01"
    assert form.national_id == "A223456781"
    assert form.birth_date == date(1972, 12, 18)
    assert form.email == "chen@example.com"
    assert form.licence_key == "lawyer:(95)台檢證字第1234號"


def test_birth_date_is_read_as_roc_or_iso():
    assert validate_professional_form(**fields(birth_date="61/12/18")).birth_date == date(
        1972, 12, 18
    )
    assert validate_professional_form(**fields(birth_date="1972-12-18")).birth_date == date(
        1972, 12, 18
    )
    assert problems_of(birth_date="")["birth_date"] == "請輸入出生年月日"
    assert "日期不存在" in problems_of(birth_date="0610231")["birth_date"]
    assert problems_of(birth_date="1972-02-30")["birth_date"] == "出生年月日不存在"
    # a child, or someone born before 1900: a typing error
    assert problems_of(birth_date="1150101")["birth_date"] == "出生年月日不合理，請確認是否輸入正確"
    assert (
        problems_of(birth_date="1899-12-31")["birth_date"] == "出生年月日不合理，請確認是否輸入正確"
    )


def test_national_id_is_checked_and_a_resident_certificate_when_said():
    assert problems_of(national_id="A123456788")["national_id"] == (
        "身分證字號檢查碼錯誤，請確認是否輸入正確"
    )
    assert problems_of(national_id="")["national_id"] == "請輸入身分證字號"
    # a resident certificate number is not a national ID unless the applicant says so
    assert "身分證字號格式錯誤" in problems_of(national_id="A800000014")["national_id"]
    form = validate_professional_form(
        **fields(national_id="A800000014", is_resident_certificate=True)
    )
    assert form.national_id == "A800000014"
    assert problems_of(national_id="", is_resident_certificate=True)["national_id"] == (
        "請輸入外來人口統一證號"
    )


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("lawyer", {"licence_number", "association"}),
        ("accountant", {"licence_number"}),
        ("patent_attorney", {"licence_number"}),
        ("patent_agent", {"licence_number"}),
        ("firm_manager", {"office_name"}),
    ],
)
def test_what_each_kind_must_give(kind: str, missing: set[str]):
    problems = problems_of(kind=kind, licence_number="", association="", office_name="")
    assert set(problems) == missing


def test_every_wrong_field_is_named_in_zh_tw():
    problems = problems_of(
        kind="judge",
        account_id="",
        name="",
        gender="",
        national_id="X",
        birth_date="?",
        address="",
        phone="abc",
        mobile="x",
        fax="y",
        email="nobody",
    )
    assert problems == {
        "kind": "請選擇聲請人身分別",
        "account_id": "請輸入帳號",
        "name": "請輸入聲請人姓名",
        "gender": "請選擇性別",
        "national_id": problems["national_id"],
        "birth_date": problems["birth_date"],
        "address": "請輸入通訊地址",
        "phone": "電話格式不正確",
        "mobile": "電話格式不正確",
        "fax": "電話格式不正確",
        "email": "電子郵件格式不正確",
    }
    assert problems["national_id"].startswith("身分證字號格式錯誤")
    assert problems["birth_date"].startswith("日期格式錯誤")


def test_lengths_are_limited():
    assert problems_of(name="陳" * 51)["name"] == "不可超過 50 個字"
    assert problems_of(address="路" * 201)["address"] == "不可超過 200 個字"
    assert problems_of(office_name="所" * 101)["office_name"] == "不可超過 100 個字"


def test_account_id_rule_of_the_portal():
    assert account_id_problem("LAWCHEN01") is None
    assert account_id_problem("") == "請輸入帳號"
    assert account_id_problem("A" * 21) == "帳號請以大寫英文字母及數字組合，最多 20 個字元"
    assert account_id_problem("LAW-CHEN") == "帳號請以大寫英文字母及數字組合，最多 20 個字元"
    assert account_id_problem("陳律師") == "帳號請以大寫英文字母及數字組合，最多 20 個字元"
    for id_number in ("A123456789", "A800000014", "AC01234567"):
        assert account_id_problem(id_number) == "請勿使用身分證字號作為帳號"


def test_transition_table():
    submitted, approved, refused, activated = (
        ProfessionalStatus.SUBMITTED,
        ProfessionalStatus.APPROVED,
        ProfessionalStatus.REFUSED,
        ProfessionalStatus.ACTIVATED,
    )
    assert advance(submitted, Step.APPROVE).after == approved
    assert advance(submitted, Step.REFUSE).after == refused
    assert advance(approved, Step.ACTIVATE).after == activated
    assert advance(approved, Step.APPROVE).is_retry
    assert advance(refused, Step.REFUSE).is_retry
    assert advance(activated, Step.APPROVE).is_retry
    for status, step in [
        (approved, Step.REFUSE),
        (activated, Step.REFUSE),
        (refused, Step.APPROVE),
        (submitted, Step.ACTIVATE),
        (refused, Step.ACTIVATE),
        (activated, Step.ACTIVATE),
    ]:
        assert (status, step) not in TRANSITIONS
        with pytest.raises(FailedPrecondition):
            advance(status, step)
    with pytest.raises(FailedPrecondition) as caught:
        advance(approved, Step.REFUSE)
    assert str(caught.value) == "此聲請已核准，不能再變更"


def test_a_refusal_needs_a_reason():
    with pytest.raises(InvalidArgument) as caught:
        validate_professional_decision("app-1", False, "  ")
    assert caught.value.fields == {"reason": "請填寫駁回理由"}
    with pytest.raises(InvalidArgument) as caught:
        validate_professional_decision("app-1", False, "理" * 1001)
    assert caught.value.fields == {"reason": "駁回理由不可超過 1000 個字"}
    assert validate_professional_decision("app-1", True, "ignored").reason == ""
    assert validate_professional_decision("app-1", False, " 證書字號不符 ").reason == "證書字號不符"

"""The certificate registration form's rules (seed 001, Step 2/2)."""

from __future__ import annotations

from typing import Any

import pytest

from jes_domain import InvalidArgument
from jes_identity.certificate_trust import load_profiles
from jes_identity.domain.accounts import account_id_problem
from jes_identity.domain.certificate_registration import (
    holder_code,
    same_holder,
    validate_registration,
)
from jes_identity.domain.certificates import CertificateKind, VerifiedSigner
from jes_identity.domain.passwords import PasswordPolicy

PROFILES = {p.kind: p for p in load_profiles()}


def signer(kind: CertificateKind = CertificateKind.NATURAL_PERSON, **facts: str) -> VerifiedSigner:
    return VerifiedSigner(
        certificate=None,  # type: ignore[arg-type]  (the form's rules never read it)
        issuer=None,  # type: ignore[arg-type]
        profile=PROFILES[kind],
        name=facts.pop("name", "王小明"),
        **facts,
    )


def form(**changes: Any) -> dict[str, Any]:
    return {
        "account_id": "WANG2025",
        "password": "Secret123!",
        "national_id": "A123456789",
        "phone": "02-2311-1234",
        "mobile": "",
        "address": "臺北市中正區重慶南路一段124號",
        "emails": ["wang@example.com"],
        **changes,
    }


def problems(who: VerifiedSigner, **changes: Any) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as caught:
        validate_registration(who, PasswordPolicy(), **form(**changes))
    return caught.value.fields


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("WANG2025", None),
        ("A" * 20, None),
        ("", "請輸入帳號"),
        ("A" * 21, "帳號請以大寫英文字母及數字組合，最多 20 個字元"),
        ("WANG_2025", "帳號請以大寫英文字母及數字組合，最多 20 個字元"),
        ("A123456789", "請勿使用身分證字號作為帳號"),
        ("AC12345678", "請勿使用身分證字號作為帳號"),  # a resident certificate number
    ],
)
def test_account_ids(typed: str, problem: str | None) -> None:
    assert account_id_problem(typed) == problem


def test_a_natural_person_registers_with_the_cards_id_digits() -> None:
    done = validate_registration(
        signer(id_last_four="6789"), PasswordPolicy(), **form(account_id=" wang2025 ")
    )
    assert (done.account_id, done.national_id, done.emails) == (
        "WANG2025", "A123456789", ("wang@example.com",)
    )  # fmt: skip
    assert problems(signer(id_last_four="0000")) == {"national_id": "身分證字號與憑證不符"}
    assert problems(signer(), national_id="A123456788") == {
        "national_id": "身分證字號檢查碼錯誤，請確認是否輸入正確"
    }
    assert problems(signer(), national_id="") == {"national_id": "請輸入身分證字號"}


def test_every_wrong_field_is_named_at_once() -> None:
    found = problems(
        signer(),
        account_id="",
        password="short",
        phone="",
        mobile="abc",
        address="",
        emails=["a@example.com", "a@example.com"],
    )
    assert set(found) == {"account_id", "password", "phone", "mobile", "address", "emails"}
    assert found["emails"] == "電子郵件重複"
    assert problems(signer(), emails=[]) == {"emails": "請輸入電子郵件"}
    four = [f"a{i}@example.com" for i in range(4)]
    assert problems(signer(), emails=four) == {"emails": "電子郵件最多 3 組"}
    assert problems(signer(), emails=["a@example.com", "nope"]) == {
        "emails[1]": "電子郵件格式不正確"
    }


def test_a_business_adds_its_representative_and_the_cards_business_number() -> None:
    company = signer(CertificateKind.BUSINESS, name="大明股份有限公司", business_number="22099131")
    done = validate_registration(
        company,
        PasswordPolicy(),
        **form(
            national_id="",
            representative_name="王大明",
            representative_title="董事長",
            business_number="22099131",
        ),
    )
    assert (done.representative_name, done.business_number) == ("王大明", "22099131")
    assert problems(company, national_id="") == {
        "representative_name": "請輸入代表人姓名",
        "representative_title": "請輸入代表人職稱",
        "business_number": "請輸入統一編號",
    }
    assert problems(
        company,
        national_id="",
        representative_name="王大明",
        representative_title="董事長",
        business_number="04595257",
    ) == {"business_number": "統一編號與憑證不符"}


def test_a_renewed_card_must_name_the_same_holder() -> None:
    card = signer(id_last_four="6789")
    assert holder_code(card) == "6789"
    assert same_holder(card, "natural_person", "王小明", "6789")
    assert not same_holder(card, "natural_person", "王小明", "1111")
    assert not same_holder(card, "natural_person", "王大明", "6789")
    assert not same_holder(card, "business", "王小明", "6789")
    assert not same_holder(signer(), "natural_person", "王小明", "")  # no digits: no match
    agency = signer(CertificateKind.GOVERNMENT, name="某機關", organisation_code="A1")
    assert same_holder(agency, "government", "某機關", "A1")

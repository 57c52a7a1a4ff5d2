"""Firm applications without a server: the status table, decisions and validation."""

from __future__ import annotations

import pytest

from jes_domain import FailedPrecondition, InvalidArgument
from jes_identity.domain.applications import (
    TRANSITIONS,
    ApplicationStatus,
    Decision,
    decide,
    validate_application,
    validate_decision,
)

PENDING, ACTIVATED, REFUSED = ApplicationStatus
APPROVE, REFUSE = Decision

# status x decision -> next status, "retry" (accepted, nothing changes), or the refusal
TABLE = [
    (PENDING, APPROVE, ACTIVATED),
    (PENDING, REFUSE, REFUSED),
    (ACTIVATED, APPROVE, "retry"),
    (REFUSED, REFUSE, "retry"),
    (ACTIVATED, REFUSE, "此申請已啟用，不能再變更"),
    (REFUSED, APPROVE, "此申請已駁回，不能再變更"),
]


def test_the_table_covers_every_status_and_decision():
    assert {(status, decision) for status, decision, _ in TABLE} == {
        (status, decision) for status in ApplicationStatus for decision in Decision
    }


@pytest.mark.parametrize(("status", "decision", "expected"), TABLE)
def test_decide(status, decision, expected):
    if isinstance(expected, ApplicationStatus):
        transition = decide(status, decision)
        assert (transition.before, transition.after, transition.is_retry) == (
            status,
            expected,
            False,
        )
    elif expected == "retry":
        transition = decide(status, decision)
        assert transition.after == status
        assert transition.is_retry
    else:
        with pytest.raises(FailedPrecondition) as refused:
            decide(status, decision)
        assert refused.value.message == expected


def test_decided_applications_are_final():
    """Only a pending application moves to another status."""
    for (status, _), after in TRANSITIONS.items():
        assert status == PENDING or after == status


def test_decision_of_the_approve_flag():
    assert Decision.of(True) == APPROVE
    assert Decision.of(False) == REFUSE


def test_stored_values_stay_the_same():
    assert [s.value for s in ApplicationStatus] == ["pending", "activated", "refused"]


# -- validation -----------------------------------------------------------------------------

GOOD = {
    "court_code": "TPD",
    "company_name": " 大華不動產估價師事務所 ",
    "contact_person": " 王大明",
    "email": " Wang@Example.com ",
    "phone": " 02-2345-6789 ",
}


def test_a_valid_application_is_trimmed_and_the_email_lowered():
    form = validate_application(**GOOD)
    assert (form.court_code, form.company_name, form.contact_person, form.email, form.phone) == (
        "TPD",
        "大華不動產估價師事務所",
        "王大明",
        "wang@example.com",
        "02-2345-6789",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("court_code", "XYZ", "請選擇所屬法院"),
        ("court_code", "TPB", "請選擇所屬法院"),  # a high administrative court: no photos
        ("court_code", "", "請選擇所屬法院"),
        ("company_name", "  ", "請輸入公司名稱"),
        ("company_name", "大" * 101, "不可超過 100 個字"),
        ("contact_person", "", "請輸入聯絡人"),
        ("contact_person", "王" * 51, "不可超過 50 個字"),
        ("email", "wang.example.com", "電子郵件格式不正確"),
        ("phone", "abc", "電話格式不正確"),
        ("phone", "12345", "電話格式不正確"),
    ],
)
def test_application_field_problems(field, value, message):
    with pytest.raises(InvalidArgument) as error:
        validate_application(**{**GOOD, field: value})
    assert error.value.message == "申請資料有誤，請修正後再送出"
    assert error.value.fields == {field: message}


def test_every_wrong_field_is_named_at_once():
    with pytest.raises(InvalidArgument) as error:
        validate_application("", "", "", "", "")
    assert set(error.value.fields) == {
        "court_code",
        "company_name",
        "contact_person",
        "email",
        "phone",
    }


def test_a_refusal_needs_a_reason_and_every_decision_a_decider():
    with pytest.raises(InvalidArgument) as error:
        validate_decision("app-1", False, "  ", "")
    assert error.value.message == "資料有誤，請修正後再送出"
    assert error.value.fields == {"reason": "請填寫駁回理由", "decided_by": "缺少決定者帳號"}


@pytest.mark.parametrize(
    ("approve", "reason", "decided_by", "fields"),
    [
        (False, "理" * 1001, "TPDCLERK", {"reason": "駁回理由不可超過 1000 個字"}),
        (True, "理" * 1001, "TPDCLERK", {"reason": "駁回理由不可超過 1000 個字"}),
        (True, "", "x" * 37, {"decided_by": "缺少決定者帳號"}),
    ],
)
def test_decision_limits(approve, reason, decided_by, fields):
    with pytest.raises(InvalidArgument) as error:
        validate_decision("app-1", approve, reason, decided_by)
    assert error.value.fields == fields


def test_a_valid_decision_is_trimmed():
    form = validate_decision("app-1", False, " 資料不全 ", " TPDCLERK ")
    assert (form.decision, form.reason, form.decided_by) == (REFUSE, "資料不全", "TPDCLERK")
    assert validate_decision("app-1", True, "", "x" * 36).decision == APPROVE

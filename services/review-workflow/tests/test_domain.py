"""Review-workflow's rules without a server: the submission state machine (state × event
→ next state or refusal), what a decision must contain, who may see what, the audit
labels and the case-number rule applied to a print."""

from __future__ import annotations

from datetime import date

import pytest

from jes_auth import Claims, PermissionDenied
from jes_domain import FailedPrecondition, Forbidden, InvalidArgument
from jes_review_workflow.domain import access
from jes_review_workflow.domain.audit import (
    AUDIT_ACTION_LABELS,
    FIRM_APPLICATION_NOT_APPLIED,
    firm_application_action,
    submission_action,
)
from jes_review_workflow.domain.decisions import (
    APPLICATION_ALREADY_DECIDED,
    PhotoReason,
    decided_reasons,
    firm_application_reason,
    firm_facing_text,
    require_same_firm_decision,
    validate_decision,
)
from jes_review_workflow.domain.paging import page_of
from jes_review_workflow.domain.submissions import (
    ALREADY_DECIDED,
    CALL_TIMEOUT,
    LEASE,
    MAX_RETRY_DELAY,
    TRANSITIONS,
    SubmissionEvent,
    SubmissionState,
    decision_event,
    decision_id_of,
    next_state,
    printed_case_number,
    require_open_for_decision,
    retry_delay,
    state_filter,
)

P, D, A, R, W, N = (
    SubmissionState.PENDING,
    SubmissionState.DECIDING,
    SubmissionState.APPROVED,
    SubmissionState.REJECTED,
    SubmissionState.WITHDRAWN,
    SubmissionState.NOT_APPLIED,
)
DECIDE, APPROVE, REJECT, REFUSE, WITHDRAW = SubmissionEvent

# -- the state machine ----------------------------------------------------------------------

# state × event → next state, or None for a refusal. Every pair is listed.
MACHINE = {
    # a reviewer's decision is recorded first; photo-storage carries it out after
    (P, DECIDE): D,
    (P, APPROVE): None,
    (P, REJECT): None,
    (P, REFUSE): None,
    (P, WITHDRAW): W,
    (D, DECIDE): None,
    (D, APPROVE): A,
    (D, REJECT): R,
    (D, REFUSE): N,
    # photo-storage's answer decides a decision in progress, not a later withdrawal
    (D, WITHDRAW): None,
    # a print whose decision was not applied is withdrawn by a change or a new print
    (N, WITHDRAW): W,
    **{(s, e): None for s in (A, R, W, N) for e in SubmissionEvent if (s, e) != (N, WITHDRAW)},
}


def test_the_table_lists_every_state_and_event():
    assert set(MACHINE) == {(s, e) for s in SubmissionState for e in SubmissionEvent}
    assert {k: v for k, v in MACHINE.items() if v is not None} == TRANSITIONS


@pytest.mark.parametrize(("state", "event"), MACHINE)
def test_submission_state_machine(state, event):
    expected = MACHINE[state, event]
    if expected is None:
        with pytest.raises(FailedPrecondition) as refused:
            next_state(state.value, event)
        assert refused.value.message == ALREADY_DECIDED
    else:
        assert next_state(state.value, event) is expected


def test_states_are_the_strings_the_contract_carries():
    assert [s.value for s in SubmissionState] == [
        "pending",
        "deciding",
        "approved",
        "rejected",
        "withdrawn",
        "not_applied",
    ]


@pytest.mark.parametrize("state", [D, A, R, W, N])
def test_only_a_pending_submission_is_open_for_a_decision(state):
    require_open_for_decision("pending")
    with pytest.raises(FailedPrecondition):
        require_open_for_decision(state.value)


def test_decision_events():
    assert (decision_event(True), decision_event(False)) == (APPROVE, REJECT)


def test_retries_pause_longer_each_time_up_to_a_limit():
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays == sorted(delays) and delays[0] < delays[3]
    assert delays[-1] == MAX_RETRY_DELAY
    assert LEASE > CALL_TIMEOUT  # an attempt in progress is never taken over


def test_state_filter():
    assert state_filter("") is None
    assert state_filter("pending") is P
    with pytest.raises(InvalidArgument) as bad:
        state_filter("done")
    assert bad.value.fields == {"state": "無此審核狀態"}


def test_one_decision_id_per_submission():
    assert decision_id_of("s-1") == decision_id_of("s-1") != decision_id_of("s-2")


# -- the case number of a print: the one rule (jes_zhtw) --------------------------------------


def test_a_valid_case_number_becomes_the_formal_one():
    assert printed_case_number("set-1", 107, "司執", 999) == "107年度司執字第999號"


@pytest.mark.parametrize("word", ["ABC", "司執ABC", "司執司執司執司", "年度司執字第", "司執字", ""])
def test_a_case_number_no_service_accepts_is_refused_with_the_reason(word):
    with pytest.raises(InvalidArgument) as refused:
        printed_case_number("set-1", 107, word, 1)
    assert "set-1" in refused.value.message
    assert "案號字別錯誤" in refused.value.message
    assert "案號字別錯誤" in refused.value.fields["photo_set.case_number"]


@pytest.mark.parametrize(("year", "number"), [(0, 1), (107, 0)])
def test_a_case_number_out_of_range_is_refused(year, number):
    with pytest.raises(InvalidArgument):
        printed_case_number("set-1", year, "司執", number)


# -- decisions --------------------------------------------------------------------------------


def reason(photo_id="p1", sequence=1, code="blurry", text=""):
    return PhotoReason(photo_id=photo_id, sequence=sequence, reason_code=code, text=text)


def problems_of(*args) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as bad:
        validate_decision(*args)
    return bad.value.fields


def test_valid_decisions_pass():
    validate_decision("s", True, "", [])
    validate_decision("s", False, "說明", [reason(), reason("p2", 2, "other", "角度不對")])


def test_every_problem_of_a_decision_at_once():
    assert problems_of("", True, "x" * 501, [reason()]) == {
        "submission_id": "請指定審核案件",
        "note": "整體說明不可超過 500 字",
        "reasons": "審核通過時不需填寫退回理由",
    }
    assert problems_of("s", False, "", []) == {"reasons": "退回時請至少為一張照片選擇理由"}
    assert problems_of(
        "s",
        False,
        "",
        [reason(), reason("p1", 0, "nope"), reason("", 2, "other", " "), reason(text="x" * 201)],
    ) == {
        "reasons[1].photo_id": "同一張照片只能選一個理由，其他說明請寫在補充文字",
        "reasons[1].sequence": "請指定照片序號",
        "reasons[1].reason_code": "請選擇退回理由",
        "reasons[2].photo_id": "請指定照片",
        "reasons[2].text": "選擇「其他」時請填寫理由",
        "reasons[3].photo_id": "同一張照片只能選一個理由，其他說明請寫在補充文字",
        "reasons[3].text": "補充文字不可超過 200 字",
    }


def test_decided_reasons_carry_the_label_as_shown():
    assert decided_reasons([reason(text=" 太暗 ")]) == [
        {
            "photo_id": "p1",
            "sequence": 1,
            "reason_code": "blurry",
            "label": "照片模糊不清",
            "text": "太暗",
        }
    ]
    assert firm_facing_text("照片模糊不清", "太暗") == "照片模糊不清：太暗"
    assert firm_facing_text("照片模糊不清", "") == "照片模糊不清"


def test_firm_application_reason():
    assert firm_application_reason("a", True, "ignored") == ""
    assert firm_application_reason("a", False, " 資料不符 ") == "資料不符"
    with pytest.raises(InvalidArgument) as bad:
        firm_application_reason("", False, " ")
    assert bad.value.fields == {
        "application_id": "請指定帳號申請",
        "reason": "不予開通時請填寫理由",
    }
    with pytest.raises(InvalidArgument) as bad:
        firm_application_reason("a", False, "x" * 501)
    assert bad.value.fields == {"reason": "理由不可超過 500 字"}


def test_a_firm_decision_is_repeated_only_as_it_was():
    require_same_firm_decision(False, "資料不符", False, "資料不符")
    with pytest.raises(FailedPrecondition) as refused:
        require_same_firm_decision(False, "資料不符", True, "")
    assert refused.value.message == APPLICATION_ALREADY_DECIDED


# -- access -----------------------------------------------------------------------------------


def claims(roles, court="", subject="u1") -> Claims:
    return Claims(subject=subject, kind="user", roles=frozenset(roles), court_code=court)


def test_only_people_who_review_decide():
    access.require_reviewer(claims(["clerk"], "TPD"))
    access.require_reviewer(claims(["admin"]))
    for who in (claims(["judge"], "TPD"), claims(["firm"], "TPD")):
        with pytest.raises(Forbidden):
            access.require_reviewer(who)


def test_a_clerk_lists_and_sees_only_their_own_court():
    clerk = claims(["clerk"], "TPD")
    assert access.listed_court(clerk, "") == "TPD"
    assert access.listed_court(clerk, " tpd ") == "TPD"
    with pytest.raises(PermissionDenied):
        access.listed_court(clerk, "KLD")
    assert access.may_see(clerk, "TPD") and not access.may_see(clerk, "KLD")
    assert access.application_court(clerk) == "TPD"


def test_an_admin_lists_any_court_and_a_courtless_clerk_none():
    admin = claims(["admin"])
    assert (access.listed_court(admin, ""), access.listed_court(admin, "kld")) == ("", "KLD")
    assert access.may_see(admin, "KLD") and access.application_court(admin) == ""
    with pytest.raises(Forbidden):
        access.listed_court(claims(["clerk"]), "")
    with pytest.raises(Forbidden):
        access.application_court(claims(["clerk"]))


# -- audit labels -----------------------------------------------------------------------------


def test_every_action_review_workflow_records_has_a_label():
    # Every outcome is logged (a decision with its outcome, a withdrawal); "deciding" is
    # not an outcome.
    outcomes = {TRANSITIONS[s, e] for s, e in TRANSITIONS if e is not DECIDE}
    recorded = {submission_action(state) for state in outcomes} | {
        firm_application_action(approve) for approve in (True, False)
    }
    recorded.add(FIRM_APPLICATION_NOT_APPLIED)
    assert recorded == set(AUDIT_ACTION_LABELS)
    assert all(AUDIT_ACTION_LABELS[action].strip() for action in recorded)


# -- paging -----------------------------------------------------------------------------------


def test_pages():
    page = page_of(0, 0, 45)
    assert (page.number, page.size, page.count, page.offset) == (1, 20, 3, 0)
    assert page_of(2, 500, 0).size == 100
    with pytest.raises(InvalidArgument) as bad:
        page_of(-1, -1, 0)
    assert set(bad.value.fields) == {"page", "page_size"}


def test_the_bar_on_reapplying_names_its_last_day_as_an_roc_date():
    from jes_review_workflow.domain.appraisal.applications import check_not_barred

    with pytest.raises(FailedPrecondition) as refused:
        check_not_barred(date(2029, 11, 29), date(2026, 11, 30))
    assert refused.value.message == (
        "經議決為不適任者，民國 118年 11月29日 星期四以前不得向本院申請列為鑑定人"
    )
    check_not_barred(date(2029, 11, 29), date(2029, 11, 30))  # the day after: may apply

"""The photo set's status machine, pure: every state x event -> next state or refusal."""

from __future__ import annotations

import pytest

from jes_domain import FailedPrecondition
from jes_photo_storage.domain.status import (
    APPROVED,
    CHANGED_SINCE_PRINT,
    DRAFT,
    REJECTED,
    REJECTED_AND_CHANGED,
    STATES,
    SUBMITTED,
    TRANSITIONS,
    Event,
    PhotoSetStatus,
    SetState,
    after_decision,
    next_state,
    state_of,
    voids_submission,
)

LOCKED = "已通過法院審核的案件無法再修改"
ALREADY_SUBMITTED = "此版本已列印送出"
ALREADY_APPROVED = "此案件已通過審核"
NOT_PRINTED = "此案件尚未列印送出"
ALREADY_REJECTED = "此案件已退回，請待廠商重新列印後再審"
CHANGED_AFTER_PRINT = "廠商已於列印後修改此案件，請待重新列印後再審"

EDIT, PRINT, APPROVE, REJECT = Event.EDIT, Event.PRINT, Event.APPROVE, Event.REJECT

# state, event, next state (SetState) or the refusal's message (str)
TABLE: list[tuple[SetState, Event, SetState | str]] = [
    (DRAFT, EDIT, DRAFT),
    (DRAFT, PRINT, SUBMITTED),
    (DRAFT, APPROVE, NOT_PRINTED),
    (DRAFT, REJECT, NOT_PRINTED),
    (SUBMITTED, EDIT, CHANGED_SINCE_PRINT),
    (SUBMITTED, PRINT, ALREADY_SUBMITTED),
    (SUBMITTED, APPROVE, APPROVED),
    (SUBMITTED, REJECT, REJECTED),
    (CHANGED_SINCE_PRINT, EDIT, CHANGED_SINCE_PRINT),
    (CHANGED_SINCE_PRINT, PRINT, SUBMITTED),
    (CHANGED_SINCE_PRINT, APPROVE, CHANGED_AFTER_PRINT),
    (CHANGED_SINCE_PRINT, REJECT, CHANGED_AFTER_PRINT),
    (REJECTED, EDIT, REJECTED_AND_CHANGED),
    (REJECTED, PRINT, SUBMITTED),
    (REJECTED, APPROVE, ALREADY_REJECTED),
    (REJECTED, REJECT, ALREADY_REJECTED),
    (REJECTED_AND_CHANGED, EDIT, REJECTED_AND_CHANGED),
    (REJECTED_AND_CHANGED, PRINT, SUBMITTED),
    (REJECTED_AND_CHANGED, APPROVE, CHANGED_AFTER_PRINT),
    (REJECTED_AND_CHANGED, REJECT, CHANGED_AFTER_PRINT),
    (APPROVED, EDIT, LOCKED),
    (APPROVED, PRINT, LOCKED),
    (APPROVED, APPROVE, ALREADY_APPROVED),
    (APPROVED, REJECT, ALREADY_APPROVED),
]


def test_the_table_covers_every_state_and_event_once():
    pairs = [(state, event) for state, event, _ in TABLE]
    assert len(pairs) == len(set(pairs)) == len(STATES) * len(Event)
    assert set(TRANSITIONS) == set(pairs)


@pytest.mark.parametrize(("state", "event", "expected"), TABLE)
def test_transition(state: SetState, event: Event, expected: SetState | str):
    if isinstance(expected, SetState):
        assert next_state(state, event) == expected
    else:
        with pytest.raises(FailedPrecondition) as refused:
            next_state(state, event)
        assert refused.value.message == expected


def test_only_an_edit_of_a_submitted_set_voids_its_submission():
    voiding = [
        (state, event)
        for state in STATES
        for event in Event
        if isinstance(outcome := TRANSITIONS[state, event], SetState)
        and voids_submission(state, outcome)
    ]
    assert voiding == [(SUBMITTED, EDIT)]


def test_printing_clears_the_changed_flag_and_editing_after_print_sets_it():
    for state in (SUBMITTED, CHANGED_SINCE_PRINT, REJECTED, REJECTED_AND_CHANGED):
        if state != SUBMITTED:
            assert next_state(state, PRINT).changed_since_print is False
        assert next_state(state, EDIT).changed_since_print is True
    assert next_state(DRAFT, EDIT).changed_since_print is False


@pytest.mark.parametrize("event", [APPROVE, REJECT])
def test_a_decision_on_an_older_print_is_refused_as_changed_after_print(event: Event):
    with pytest.raises(FailedPrecondition) as refused:
        after_decision(SUBMITTED, event, decided_fingerprint="old", last_fingerprint="new")
    assert refused.value.message == CHANGED_AFTER_PRINT
    decided = after_decision(SUBMITTED, event, decided_fingerprint="new", last_fingerprint="new")
    assert decided == (APPROVED if event is APPROVE else REJECTED)


def test_the_states_own_refusals_come_before_the_fingerprint():
    with pytest.raises(FailedPrecondition) as refused:
        after_decision(REJECTED, APPROVE, decided_fingerprint="old", last_fingerprint="new")
    assert refused.value.message == ALREADY_REJECTED


@pytest.mark.parametrize(
    ("status", "changed", "state"),
    [
        ("draft", False, DRAFT),
        ("submitted", False, SUBMITTED),
        ("changed_since_print", True, CHANGED_SINCE_PRINT),
        ("rejected", False, REJECTED),
        ("rejected", True, REJECTED_AND_CHANGED),
        ("approved", False, APPROVED),
    ],
)
def test_state_of_a_stored_set(status: str, changed: bool, state: SetState):
    assert state_of(status, changed) == state


def test_stored_statuses_are_the_short_names():
    assert [s.value for s in PhotoSetStatus] == [
        "draft",
        "submitted",
        "changed_since_print",
        "rejected",
        "approved",
    ]
    assert {state.status for state in STATES} == set(PhotoSetStatus)


def test_unknown_stored_status_is_an_error():
    with pytest.raises(ValueError):
        state_of("lost", False)

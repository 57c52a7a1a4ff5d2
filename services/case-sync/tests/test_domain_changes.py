"""Changes court systems send, the stream's framing, statuses and the cut-off."""

from __future__ import annotations

from datetime import date

import pytest

from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.cases import CaseKey
from jes_case_sync.domain.changes import (
    ChangeInput,
    ChangeKind,
    DetailsInput,
    StreamOrder,
    change_problems,
    in_stream,
    validate_change,
)
from jes_case_sync.domain.entries import ProgressInput
from jes_case_sync.domain.statuses import CLOCK_STATUSES, Status, add_months, cut_off_for
from jes_domain import FailedPrecondition, InvalidArgument, ResourceExhausted

KEY = CaseKey(court_code="TPD", category="民事", year=113, word="訴", number=1)
TODAY = date(2026, 11, 30)


def test_a_message_naming_no_change_is_refused():
    _, problems = change_problems(ChangeInput(KEY, None), TODAY)
    assert set(problems) == {"change"}


def test_post_and_correct_check_the_entry_under_their_own_names():
    for kind in (ChangeKind.POST, ChangeKind.CORRECT):
        change = ChangeInput(KEY, kind, entry=ProgressInput("e-1", "2030-01-01", ""))
        _, problems = change_problems(change, TODAY)
        assert set(problems) == {f"{kind}.posted_on", f"{kind}.item"}


def test_a_withdrawal_names_its_entry():
    _, problems = change_problems(ChangeInput(KEY, ChangeKind.WITHDRAW), TODAY)
    assert set(problems) == {"withdraw.source_entry_id"}
    valid = validate_change(
        ChangeInput(KEY, ChangeKind.WITHDRAW, withdrawn_source_id=" e-1 ", reason=" 誤植 "), TODAY
    )
    assert (valid.withdrawn_source_id, valid.reason) == ("e-1", "誤植")


@pytest.mark.parametrize(
    ("status", "effective_on", "fields"),
    [
        (0, "2026-11-01", {"status.status"}),
        (99, "2026-11-01", {"status.status"}),
        (cases_pb2.CASE_STATUS_APPEALED, "", {"status.effective_on"}),
        (cases_pb2.CASE_STATUS_APPEALED, "2026-12-01", {"status.effective_on"}),  # future
    ],
)
def test_status_changes_are_checked(status, effective_on, fields):
    change = ChangeInput(KEY, ChangeKind.STATUS, status=status, effective_on=effective_on)
    _, problems = change_problems(change, TODAY)
    assert set(problems) == fields


def test_a_status_change_reads_the_contracts_status():
    change = ChangeInput(
        KEY, ChangeKind.STATUS, status=cases_pb2.CASE_STATUS_EXECUTION, effective_on="2026-11-02"
    )
    valid = validate_change(change, TODAY)
    assert (valid.status, valid.effective_on) == (Status.EXECUTION, date(2026, 11, 2))


def test_every_status_maps_to_the_contract_and_back():
    for status in Status:
        assert Status.from_contract(status.value_in_contract) is status
    assert len(Status) == len(cases_pb2.CaseStatus.DESCRIPTOR.values) - 1


def test_details_are_kept_sorted_without_duplicates():
    change = ChangeInput(
        KEY, ChangeKind.DETAILS, details=DetailsInput((" P2 ", "P1", "P2"), " 仁 ", "清償借款")
    )
    valid = validate_change(change, TODAY)
    assert valid.details == DetailsInput(("P1", "P2"), "仁", "清償借款")
    _, problems = change_problems(
        ChangeInput(KEY, ChangeKind.DETAILS, details=DetailsInput(("",), "股" * 21, "")), TODAY
    )
    assert set(problems) == {"details.prosecutor_ids", "details.division"}


def test_a_juvenile_change_is_refused_after_it_is_well_formed():
    change = ChangeInput(
        CaseKey("TPD", "少年", 113, "少調", 1),
        ChangeKind.POST,
        entry=ProgressInput("e-1", "2026-11-01", "調查"),
    )
    with pytest.raises(FailedPrecondition):
        validate_change(change, TODAY)
    with pytest.raises(InvalidArgument):
        validate_change(ChangeInput(KEY, ChangeKind.POST, entry=ProgressInput("", "", "")), TODAY)


# -- a stream's framing --------------------------------------------------------------------


def test_a_stream_is_numbered_one_two_three_in_one_batch():
    order = StreamOrder()
    for sequence in (1, 2, 3):
        order.accept("b-1", sequence)
    assert (order.batch_id, order.received) == ("b-1", 3)


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ([("b-1", 2)], "sequence"),  # does not start at 1
        ([("b-1", 1), ("b-1", 3)], "sequence"),  # a gap
        ([("b-1", 1), ("b-1", 2), ("b-1", 2)], "sequence"),  # replayed message
        ([("b-1", 1), ("b-1", 3), ("b-1", 2)], "sequence"),  # reordered
        ([("", 1)], "batch_id"),
        ([("b-1", 1), ("b-2", 2)], "batch_id"),
    ],
)
def test_a_replayed_reordered_or_unframed_stream_is_refused(sent, field):
    order = StreamOrder()
    with pytest.raises(InvalidArgument) as bad:
        for batch_id, sequence in sent:
            order.accept(batch_id, sequence)
    assert set(bad.value.fields) == {field}


def test_an_oversized_stream_is_refused():
    order = StreamOrder(limit=3)
    for sequence in (1, 2, 3):
        order.accept("b", sequence)
    with pytest.raises(ResourceExhausted) as bad:
        order.accept("b", 4)
    assert set(bad.value.fields) == {"sequence"}


def test_problems_inside_a_stream_name_the_message():
    assert in_stream(7, {"post.item": "x"}) == {"changes[7].post.item": "x"}


# -- the cut-off ---------------------------------------------------------------------------


def test_the_clock_runs_for_appeal_interlocutory_appeal_execution_and_archive():
    assert CLOCK_STATUSES == {
        Status.APPEALED,
        Status.INTERLOCUTORY_APPEAL,
        Status.EXECUTION,
        Status.ARCHIVED,
    }
    for status in (Status.PENDING, Status.CLOSED):
        assert cut_off_for(status, date(2024, 1, 10)) is None


def test_two_months_as_the_civil_code_counts_them_then_seven_days_warning():
    cut_off = cut_off_for(Status.APPEALED, date(2024, 1, 10))
    assert cut_off is not None
    assert cut_off.clock_started_on == date(2024, 1, 10)
    assert cut_off.cut_off_on == date(2024, 3, 11)  # shown through 2024-03-10
    assert cut_off.warn_on == date(2024, 3, 4)
    assert not cut_off.reached(date(2024, 3, 10))
    assert cut_off.reached(date(2024, 3, 11))


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2023, 12, 31), 2, date(2024, 2, 29)),  # no 31st: the month's last day
        (date(2023, 12, 30), 2, date(2024, 2, 29)),
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2024, 11, 15), 2, date(2025, 1, 15)),  # across the year
        (date(2024, 1, 31), 2, date(2024, 3, 31)),
    ],
)
def test_months_end_on_the_corresponding_day_or_the_months_last(start, months, end):
    assert add_months(start, months) == end

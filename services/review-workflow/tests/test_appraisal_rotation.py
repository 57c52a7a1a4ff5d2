"""The rotation (seed 003 point 5), its hash-chained log and the fairness report."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from jes_domain import FailedPrecondition
from jes_review_workflow.domain.appraisal.rotation import (
    Member,
    Standing,
    fairness,
    propose,
    require_assignable,
)
from jes_review_workflow.domain.appraisal.rotation_log import GENESIS, chain, verify
from jes_zhtw.roc import format_roc_date

DAY = date(2026, 12, 1)


def roster(*standings: tuple[Standing, date | None]) -> list[Member]:
    return [
        Member(f"A{i}", f"鑑定人{i}", position=i, standing=s, until=u, last_turn=0)
        for i, (s, u) in enumerate(standings, start=1)
    ]


ACTIVE = (Standing.ACTIVE, None)


def test_the_next_is_the_first_in_line_and_each_takes_a_turn():
    members = roster(ACTIVE, ACTIVE, ACTIVE)
    first = propose(members, DAY)
    assert first.chosen.appraiser_id == "A1" and first.skips == ()
    members[0] = members[0].after_turn(1)
    assert propose(members, DAY).chosen.appraiser_id == "A2"


def test_a_suspended_one_is_skipped_and_keeps_their_place():
    members = roster((Standing.SUSPENDED, date(2026, 12, 15)), ACTIVE, ACTIVE)
    proposal = propose(members, DAY)
    assert proposal.chosen.appraiser_id == "A2"
    assert [(s.appraiser_id, s.reason) for s in proposal.skips] == [
        ("A1", f"停止輪派至{format_roc_date(date(2026, 12, 15))}")
    ]
    members[1] = members[1].after_turn(1)
    # still suspended: skipped again; once the suspension ends, first in line again
    assert propose(members, DAY).chosen.appraiser_id == "A3"
    assert propose(members, date(2026, 12, 16)).chosen.appraiser_id == "A1"


def test_one_the_division_finds_ineligible_for_the_case_is_skipped_with_the_reason():
    members = roster(ACTIVE, ACTIVE)
    proposal = propose(members, DAY, ineligible={"A1": "與債務人有親屬關係"})
    assert proposal.chosen.appraiser_id == "A2"
    assert proposal.skips[0].reason == "與債務人有親屬關係"
    members[1] = members[1].after_turn(1)
    assert propose(members, DAY).chosen.appraiser_id == "A1"  # kept their place


def test_a_disqualified_one_is_never_proposed_nor_assignable():
    members = roster((Standing.DISQUALIFIED, date(2029, 12, 1)), ACTIVE)
    assert propose(members, DAY).chosen.appraiser_id == "A2"
    with pytest.raises(FailedPrecondition) as refused:
        require_assignable(members[0], DAY)
    assert "不適任" in refused.value.message


def test_no_one_eligible_is_a_clear_refusal():
    with pytest.raises(FailedPrecondition):
        propose(roster((Standing.SUSPENDED, None)), DAY)


def _records(n: int) -> list[dict]:
    return [
        {"sequence": i, "kind": "assigned", "appraiser_id": f"A{i % 2}"} for i in range(1, n + 1)
    ]


def test_the_log_is_a_hash_chain_and_verifies():
    linked = chain(GENESIS, _records(4))
    assert linked[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(linked))
    check = verify(linked)
    assert check.ok and check.checked == 4 and check.broken_at is None


def test_tampering_with_an_entry_is_detected_where_it_happened():
    linked = chain(GENESIS, _records(4))
    linked[1].content["appraiser_id"] = "A9"  # rewritten after the fact
    check = verify(linked)
    assert not check.ok and check.broken_at == 2


def test_removing_an_entry_is_detected():
    linked = chain(GENESIS, _records(4))
    del linked[2]
    assert verify(linked).broken_at == 4


def test_fairness_counts_per_appraiser_in_the_period():
    entries = [
        {"kind": "assigned", "appraiser_id": "A1", "day": "2026-12-01"},
        {"kind": "skipped", "appraiser_id": "A2", "day": "2026-12-01"},
        {"kind": "assigned", "appraiser_id": "A3", "day": "2026-12-01"},
        {"kind": "exception", "appraiser_id": "A2", "day": "2026-12-02"},
        {"kind": "replaced", "appraiser_id": "A3", "day": "2026-12-03"},
        {"kind": "assigned", "appraiser_id": "A1", "day": "2027-01-05"},  # outside
    ]
    rows = {r.appraiser_id: r for r in fairness(entries, date(2026, 12, 1), date(2026, 12, 31))}
    assert (rows["A1"].assigned, rows["A1"].skipped, rows["A1"].exceptions) == (1, 0, 0)
    assert (rows["A2"].assigned, rows["A2"].skipped, rows["A2"].exceptions) == (0, 1, 1)
    assert (rows["A3"].assigned, rows["A3"].replaced) == (1, 1)

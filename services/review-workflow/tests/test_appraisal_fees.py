"""The fee schedule with Keelung's numbers (seed 003 point 10)."""

from __future__ import annotations

from datetime import date

import pytest

from jes_domain import InvalidArgument, NotFound
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.fees import (
    FeeItem,
    FeeItemKind,
    FeeRequest,
    check_fee,
    schedule_for,
)

KLD = rules_for("KLD", date(2026, 11, 30))


def ceiling(*items: FeeItem, **extra: object) -> int:
    return schedule_for(KLD, FeeRequest(items=items, **extra)).maximum  # type: ignore[arg-type]


def test_keelung_rules_are_data_in_force_from_their_revision():
    assert KLD.effective_from == date(2018, 4, 9)
    assert KLD.neighbouring_cities == ("臺北市", "新北市", "宜蘭縣")
    assert [g.code for g in KLD.off_rotation_grounds] == [
        "same_matter",
        "party_request",
        "special_object",
        "lacks_item",
        "other",
    ]
    assert len(KLD.disqualification.grounds) == 17
    assert KLD.deadlines.report_days_with_zoning == 20
    with pytest.raises(NotFound):
        rules_for("KLD", date(2018, 4, 8))
    with pytest.raises(NotFound):
        rules_for("TPD", date(2026, 11, 30))


@pytest.mark.parametrize(
    ("kind", "count", "expected"),
    [
        (FeeItemKind.BUILDING_WITH_LAND, 1, 3000),
        (FeeItemKind.BUILDING_WITH_LAND, 2, 3360),
        (FeeItemKind.BUILDING_WITH_LAND, 4, 4080),
        (FeeItemKind.BUILDING_ONLY, 1, 3000),
        (FeeItemKind.BUILDING_ONLY, 3, 3720),
        (FeeItemKind.LAND_ONLY, 1, 1200),
        (FeeItemKind.LAND_ONLY, 2, 1200),
        (FeeItemKind.LAND_ONLY, 3, 1800),
        (FeeItemKind.LAND_ONLY, 9, 5400),
        (FeeItemKind.CROPS, 2, 1200),
        (FeeItemKind.CROPS, 3, 1800),
        (FeeItemKind.MOVABLES, 1, 1200),
        (FeeItemKind.MOVABLES, 2, 2400),
    ],
)
def test_each_kind_of_object_at_the_schedule(kind: FeeItemKind, count: int, expected: int):
    assert ceiling(FeeItem(kind, count)) == expected


def test_land_of_ten_parcels_or_adjoining_keeps_the_ceiling_and_may_be_reduced_by_agreement():
    ten = schedule_for(KLD, FeeRequest(items=(FeeItem(FeeItemKind.LAND_ONLY, 10),)))
    assert ten.maximum == 1200 + 8 * 600
    assert "協議酌減" in ten.lines[0].note
    adjoining = schedule_for(
        KLD, FeeRequest(items=(FeeItem(FeeItemKind.LAND_ONLY, 3, adjoining=True),))
    )
    assert adjoining.maximum == 1800 and "協議酌減" in adjoining.lines[0].note
    assert (
        schedule_for(KLD, FeeRequest(items=(FeeItem(FeeItemKind.LAND_ONLY, 9),))).lines[0].note
        == ""
    )


def test_intangible_rights_and_registry_above_ten_parcels_are_by_agreement():
    intangible = schedule_for(KLD, FeeRequest(items=(FeeItem(FeeItemKind.INTANGIBLE),)))
    assert intangible.maximum == 0 and intangible.by_agreement
    registry = schedule_for(
        KLD, FeeRequest(items=(FeeItem(FeeItemKind.LAND_ONLY, 11),), registry_parcels=11)
    )
    assert registry.by_agreement and registry.lines[-1].maximum == 0


@pytest.mark.parametrize(
    ("group", "expected"),
    [("city", 960), ("wanli_ruifang", 1200), ("jinshan_pingxi", 1440), ("shuangxi_gongliao", 1680)],
)
def test_travel_by_district_group(group: str, expected: int):
    assert ceiling(FeeItem(FeeItemKind.BUILDING_WITH_LAND), travel_group=group) == 3000 + expected


def test_a_full_appraisal_adds_registry_travel_and_copies():
    schedule = schedule_for(
        KLD,
        FeeRequest(
            items=(FeeItem(FeeItemKind.BUILDING_WITH_LAND, 2), FeeItem(FeeItemKind.CROPS, 3)),
            registry_parcels=10,
            travel_group="jinshan_pingxi",
            copies=2,
        ),
    )
    assert [line.maximum for line in schedule.lines] == [3360, 1800, 360, 1440, 600]
    assert schedule.maximum == 7560
    assert not schedule.by_agreement


def test_districts_map_to_their_travel_group():
    assert KLD.travel_group_of_district("七堵區").code == "city"  # type: ignore[union-attr]
    assert KLD.travel_group_of_district("貢寮區").maximum == 1680  # type: ignore[union-attr]
    assert KLD.travel_group_of_district("板橋區") is None


def test_a_fee_at_the_ceiling_is_within_and_one_dollar_more_needs_approval():
    schedule = schedule_for(
        KLD, FeeRequest(items=(FeeItem(FeeItemKind.BUILDING_WITH_LAND),), travel_group="city")
    )
    at = check_fee(schedule, 3960)
    assert at.within_schedule and at.acceptable
    above = check_fee(schedule, 3961)
    assert above.above_by == 1 and not above.acceptable
    assert check_fee(schedule, 3961, approved=True).acceptable


def test_agreed_amounts_count_only_for_lines_by_agreement():
    intangible = schedule_for(KLD, FeeRequest(items=(FeeItem(FeeItemKind.INTANGIBLE),)))
    assert check_fee(intangible, 8000, agreed=8000).within_schedule
    assert check_fee(intangible, 8001, agreed=8000).above_by == 1
    building = schedule_for(KLD, FeeRequest(items=(FeeItem(FeeItemKind.BUILDING_ONLY),)))
    with pytest.raises(InvalidArgument):
        check_fee(building, 5000, agreed=2000)


@pytest.mark.parametrize(
    "request_",
    [
        FeeRequest(items=()),
        FeeRequest(items=(FeeItem(FeeItemKind.LAND_ONLY, 0),)),
        FeeRequest(items=(FeeItem(FeeItemKind.MOVABLES),), copies=-1),
        FeeRequest(items=(FeeItem(FeeItemKind.MOVABLES),), travel_group="taipei"),
    ],
)
def test_bad_requests_are_refused_in_zh_tw(request_: FeeRequest):
    with pytest.raises(InvalidArgument) as refused:
        schedule_for(KLD, request_)
    assert refused.value.fields

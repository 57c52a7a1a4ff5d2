"""The fee schedule (seed 003 point 10): the most an appraiser may charge for one
appraisal, line by line, and the check of a charged fee against it. The amounts are the
court's (court_rules); this module only knows how each kind of line is counted.

Lines "by agreement" (intangible rights; registry fees above the included parcels; more
movables than one matter's fee covers) have no ceiling in the schedule: the amount agreed
with the creditor counts for them. Land with ten or more parcels, or adjoining parcels,
keeps the schedule's ceiling; the parties may only agree to less. Anything charged above
the ceiling needs the judicial affairs officer's approval first (point 10 (九))."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jes_domain import InvalidArgument
from jes_review_workflow.domain.appraisal.court_rules import CourtRules


class FeeItemKind(StrEnum):
    BUILDING_WITH_LAND = "building_with_land"
    LAND_ONLY = "land_only"
    BUILDING_ONLY = "building_only"
    CROPS = "crops"
    MOVABLES = "movables"
    INTANGIBLE = "intangible"


FEE_ITEM_LABELS = {
    FeeItemKind.BUILDING_WITH_LAND: "建物與基地合併鑑定",
    FeeItemKind.LAND_ONLY: "僅土地",
    FeeItemKind.BUILDING_ONLY: "僅建物",
    FeeItemKind.CROPS: "土地上之農林作物",
    FeeItemKind.MOVABLES: "動產",
    FeeItemKind.INTANGIBLE: "無體財產權",
}


@dataclass(frozen=True)
class FeeItem:
    """One thing to appraise. `count`: buildings (units) in the same building or
    community, land parcels, kinds of crops, or matters of movables."""

    kind: FeeItemKind
    count: int = 1
    adjoining: bool = False  # land only: every parcel adjoins another


@dataclass(frozen=True)
class FeeRequest:
    items: tuple[FeeItem, ...]
    registry_parcels: int = 0  # parcels whose registry transcripts the appraiser obtains
    travel_group: str = ""  # a TravelGroup code; "" = no site visit charged
    copies: int = 0


@dataclass(frozen=True)
class FeeLine:
    label: str
    maximum: int  # the schedule's ceiling (0 with by_agreement and no ceiling)
    by_agreement: bool = False
    note: str = ""


@dataclass(frozen=True)
class FeeSchedule:
    lines: tuple[FeeLine, ...]
    maximum: int  # the sum of the lines' ceilings
    by_agreement: bool  # some line is agreed with the creditor on top of `maximum`


@dataclass(frozen=True)
class FeeCheck:
    charged: int
    allowed: int  # the schedule's ceiling plus what was agreed for lines by agreement
    above_by: int  # how much the charge exceeds it (0 = within the schedule)
    approved: bool  # the officer approved the excess beforehand

    @property
    def within_schedule(self) -> bool:
        return self.above_by == 0

    @property
    def acceptable(self) -> bool:
        return self.within_schedule or self.approved


ABOVE_SCHEDULE = "鑑定費用超過收費標準，須先經承辦司法事務官核可"


def _positive(value: int, field_name: str, label: str) -> None:
    if value < 1:
        raise InvalidArgument(f"{label}至少為 1", fields={field_name: f"{label}至少為 1"})


def _item_line(rules: CourtRules, item: FeeItem, index: int) -> FeeLine:
    fees = rules.fees
    label = FEE_ITEM_LABELS[item.kind]
    if item.kind is FeeItemKind.INTANGIBLE:
        return FeeLine(label, 0, by_agreement=True, note="由債權人與鑑定人協議")
    _positive(item.count, f"items[{index}].count", "數量")
    if item.kind in (FeeItemKind.BUILDING_WITH_LAND, FeeItemKind.BUILDING_ONLY):
        schedule = fees[item.kind.value]
        extra = item.count - 1
        note = f"加鑑 {extra} 棟（間）" if extra else ""
        return FeeLine(label, schedule["base"] + schedule["per_extra_unit"] * extra, note=note)
    if item.kind is FeeItemKind.LAND_ONLY:
        schedule = fees["land_only"]
        extra = max(0, item.count - schedule["included_parcels"])
        maximum = schedule["base"] + schedule["per_extra_parcel"] * extra
        reducible = item.adjoining or item.count >= schedule["reduce_by_agreement_from_parcels"]
        note = "土地相鄰或十筆以上，由債權人與鑑定人協議酌減" if reducible else ""
        return FeeLine(f"{label}（{item.count} 筆）", maximum, note=note)
    if item.kind is FeeItemKind.CROPS:
        schedule = fees["crops"]
        many = item.count > schedule["included_kinds"]
        return FeeLine(
            f"{label}（{item.count} 種）", schedule["many_kinds"] if many else schedule["base"]
        )
    # movables: one fee per matter; more items than it covers are agreed on top
    return FeeLine(
        f"{label}（{item.count} 件）",
        fees["movables"]["per_matter"] * item.count,
        note="數量種類繁多而需增加費用時，由債權人與鑑定人協議",
    )


def schedule_for(rules: CourtRules, request: FeeRequest) -> FeeSchedule:
    """The schedule's ceiling for one appraisal, line by line."""
    if not request.items:
        raise InvalidArgument("請列出鑑定標的", fields={"items": "請至少列出一項鑑定標的"})
    for name, value in (("registry_parcels", request.registry_parcels), ("copies", request.copies)):
        if value < 0:
            raise InvalidArgument("數量不可為負數", fields={name: "數量不可為負數"})
    lines = [_item_line(rules, item, i) for i, item in enumerate(request.items)]
    if request.registry_parcels:
        registry = rules.fees["registry"]
        if request.registry_parcels > registry["included_parcels"]:
            lines.append(
                FeeLine("規費（超過十筆）", 0, by_agreement=True, note="由債權人與鑑定人另行議價")
            )
        else:
            lines.append(FeeLine(f"規費（{request.registry_parcels} 筆）", registry["amount"]))
    if request.travel_group:
        group = rules.travel_group(request.travel_group)
        lines.append(FeeLine(f"交通費（{group.label}）", group.maximum))
    if request.copies:
        lines.append(FeeLine(f"副本費（{request.copies} 份）", rules.fees["copy"] * request.copies))
    return FeeSchedule(
        lines=tuple(lines),
        maximum=sum(line.maximum for line in lines),
        by_agreement=any(line.by_agreement for line in lines),
    )


def check_fee(
    schedule: FeeSchedule, charged: int, agreed: int = 0, approved: bool = False
) -> FeeCheck:
    """A charged fee against the schedule. `agreed`: what the creditor agreed for the
    lines by agreement (only those); `approved`: the officer approved beforehand."""
    if charged < 0 or agreed < 0:
        raise InvalidArgument("金額不可為負數", fields={"charged": "金額不可為負數"})
    if agreed and not schedule.by_agreement:
        raise InvalidArgument(
            "本次鑑定沒有須協議的項目", fields={"agreed": "本次鑑定沒有須協議的項目"}
        )
    allowed = schedule.maximum + agreed
    return FeeCheck(charged, allowed, max(0, charged - allowed), approved)

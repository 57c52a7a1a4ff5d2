"""Each court's appraiser rules as data, not code: one JSON file per court and version
(`jes_review_workflow/court_rules/<COURT>-<effective from>.json`). Another court adds its
own file; a revision of the rules is a new file with a later date, and a question about a
day is answered with the version in force on that day."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from jes_domain import InvalidArgument, NotFound
from jes_review_workflow.domain.appraisal.application_rules import (
    ApplicationRules,
    CommitteeRules,
    parse_applications,
    parse_committee,
)

RULES_PACKAGE = "jes_review_workflow.court_rules"
NO_RULES = "此法院尚未設定鑑定人作業規定"
NOT_IN_FORCE = "該日期尚無生效的鑑定人作業規定"


@dataclass(frozen=True)
class TravelGroup:
    code: str
    label: str
    maximum: int
    districts: tuple[str, ...]


@dataclass(frozen=True)
class Ground:
    code: str
    label: str


@dataclass(frozen=True)
class Deadlines:
    payment_days: int
    report_days: int
    report_days_with_zoning: int
    reply_days: int
    reply_after_reminder_days: int
    # the appraiser is reminded by e-mail this many days before a last day
    reminder_days_before: int = 2


@dataclass(frozen=True)
class DisqualificationRules:
    reapply_bar_years: int
    report_errors: int
    window_months: int
    real_estate_reserve_percent: int
    real_estate_unsold_count: int
    real_estate_sold_percent: int
    real_estate_sold_count: int
    other_property_percent: int
    other_property_count: int
    grounds: tuple[str, ...]  # numbered from 1, as in the court's rules


@dataclass(frozen=True)
class CourtRules:
    court_code: str
    effective_from: date
    source: str
    area: tuple[str, ...]
    neighbouring_cities: tuple[str, ...]
    fees: dict[str, Any]
    travel: tuple[TravelGroup, ...]
    deadlines: Deadlines
    off_rotation_grounds: tuple[Ground, ...]
    disqualification: DisqualificationRules
    applications: ApplicationRules
    committee: CommitteeRules
    # what a report must contain (point 7), read by domain.appraisal.report
    report: dict[str, Any] = field(default_factory=dict)

    def travel_group(self, code: str) -> TravelGroup:
        for group in self.travel:
            if group.code == code:
                return group
        raise InvalidArgument(
            "交通費地區不正確", fields={"travel_group": "請選擇本院所列的交通費地區"}
        )

    def travel_group_of_district(self, district: str) -> TravelGroup | None:
        return next((g for g in self.travel if district in g.districts), None)

    def off_rotation_ground(self, code: str) -> Ground:
        for ground in self.off_rotation_grounds:
            if ground.code == code:
                return ground
        raise InvalidArgument(
            "不依輪次選任須有本院規定的事由", fields={"ground": "請選擇不依輪次選任的事由"}
        )


def _parse(raw: dict[str, Any]) -> CourtRules:
    fees = raw["fees"]
    dq = raw["disqualification"]
    return CourtRules(
        court_code=raw["court_code"],
        effective_from=date.fromisoformat(raw["effective_from"]),
        source=raw["source"],
        area=tuple(raw["area"]),
        neighbouring_cities=tuple(raw["neighbouring_cities"]),
        fees={k: v for k, v in fees.items() if k != "travel"},
        travel=tuple(
            TravelGroup(g["code"], g["label"], int(g["maximum"]), tuple(g["districts"]))
            for g in fees["travel"]
        ),
        deadlines=Deadlines(**raw["deadlines"]),
        off_rotation_grounds=tuple(
            Ground(g["code"], g["label"]) for g in raw["off_rotation_grounds"]
        ),
        disqualification=DisqualificationRules(
            reapply_bar_years=dq["reapply_bar_years"],
            report_errors=dq["report_errors"],
            window_months=dq["window_months"],
            real_estate_reserve_percent=dq["real_estate"]["reserve_percent"],
            real_estate_unsold_count=dq["real_estate"]["unsold_count"],
            real_estate_sold_percent=dq["real_estate"]["sold_percent"],
            real_estate_sold_count=dq["real_estate"]["sold_count"],
            other_property_percent=dq["other_property"]["percent"],
            other_property_count=dq["other_property"]["count"],
            grounds=tuple(dq["grounds"]),
        ),
        applications=parse_applications(raw["applications"]),
        committee=parse_committee(raw["committee"]),
        report=raw.get("report", {}),
    )


@cache
def all_versions() -> dict[str, tuple[CourtRules, ...]]:
    """Every court's versions, oldest first."""
    found: dict[str, list[CourtRules]] = {}
    for entry in resources.files(RULES_PACKAGE).iterdir():
        if entry.name.endswith(".json"):
            rules = _parse(json.loads(entry.read_text(encoding="utf-8")))
            found.setdefault(rules.court_code, []).append(rules)
    return {
        court: tuple(sorted(versions, key=lambda r: r.effective_from))
        for court, versions in found.items()
    }


def rules_for(court_code: str, on: date) -> CourtRules:
    """The court's rules in force on `on`."""
    versions = all_versions().get(court_code.strip().upper())
    if not versions:
        raise NotFound(NO_RULES, fields={"court_code": NO_RULES})
    in_force = [r for r in versions if r.effective_from <= on]
    if not in_force:
        raise NotFound(NOT_IN_FORCE, fields={"on": NOT_IN_FORCE})
    return in_force[-1]

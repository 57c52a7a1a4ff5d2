"""What the appraiser use cases share: days from requests, the court's calendar, roster
rows as domain members, and the audit actions with their labels."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jes_auth import Claims
from jes_db import utcnow
from jes_domain import InvalidArgument, NotFound
from jes_review_workflow.domain.appraisal.deadlines import WorkCalendar
from jes_review_workflow.domain.appraisal.rotation import Category, Member, Standing
from jes_review_workflow.models import Appraiser, CourtClosure
from jes_zhtw.roc import to_taipei

APPRAISER_NOT_FOUND = "查無此鑑定人"
BAD_DAY = "日期格式應為 YYYY-MM-DD"

COURT_CLOSURE_RECORDED = "appraisal.court_closure_recorded"
APPRAISER_ENROLLED = "appraisal.appraiser_enrolled"
APPRAISER_STANDING_CHANGED = "appraisal.appraiser_standing_changed"
APPRAISER_ASSIGNED = "appraisal.appraiser_assigned"
APPRAISER_ASSIGNED_OFF_ROTATION = "appraisal.appraiser_assigned_off_rotation"
APPRAISER_REPLACED = "appraisal.appraiser_replaced"
AUCTION_OUTCOME_RECORDED = "appraisal.auction_outcome_recorded"

APPRAISAL_AUDIT_LABELS = {
    COURT_CLOSURE_RECORDED: "登錄停止上班日",
    APPRAISER_ENROLLED: "列入鑑定人名冊",
    APPRAISER_STANDING_CHANGED: "變更鑑定人輪派狀態",
    APPRAISER_ASSIGNED: "依輪次選任鑑定人",
    APPRAISER_ASSIGNED_OFF_ROTATION: "不依輪次選任鑑定人",
    APPRAISER_REPLACED: "撤換鑑定人",
    AUCTION_OUTCOME_RECORDED: "登錄拍賣結果",
}


def today() -> date:
    """Today in Taiwan (periods and standings are days of the court's calendar)."""
    return to_taipei(utcnow()).date()


def day_of(text: str, field: str, default: date | None = None) -> date:
    text = text.strip()
    if not text and default is not None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(BAD_DAY, fields={field: BAD_DAY}) from None


def category_of(value: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        raise InvalidArgument(
            "請選擇鑑定類別", fields={"category": "請選擇不動產或動產及其他財產"}
        ) from None


def court_calendar(session: Session, court_code: str) -> WorkCalendar:
    days = session.scalars(select(CourtClosure.day).where(CourtClosure.court_code == court_code))
    return WorkCalendar(closures=frozenset(days))


def member_of(row: Appraiser) -> Member:
    return Member(
        appraiser_id=row.id,
        name=row.name,
        position=row.position,
        standing=Standing(row.standing),
        until=row.until,
        last_turn=row.last_turn,
    )


def appraiser_in_court(
    session: Session, court_code: str, appraiser_id: str, *, for_update: bool = False
) -> Appraiser:
    query = select(Appraiser).where(Appraiser.id == appraiser_id.strip())
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or row.court_code != court_code:
        raise NotFound(APPRAISER_NOT_FOUND, fields={"appraiser_id": APPRAISER_NOT_FOUND})
    return row


def may_see(claims: Claims, court_code: str) -> bool:
    return claims.has_role("admin") or claims.court_code == court_code


def visible_appraiser(
    session: Session, claims: Claims, appraiser_id: str, *, for_update: bool = False
) -> Appraiser:
    """An appraiser of the caller's court (any, for an admin); another court's is not found."""
    query = select(Appraiser).where(Appraiser.id == appraiser_id.strip())
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or not may_see(claims, row.court_code):
        raise NotFound(APPRAISER_NOT_FOUND, fields={"appraiser_id": APPRAISER_NOT_FOUND})
    return row


def take_turns(session: Session, key: str) -> None:
    """Checks that compare a change with the court's other rows (the office rules, the
    committee's size) must not both pass when two run at once: on PostgreSQL the
    transactions of one `key` take turns (a transaction-scoped advisory lock; locking the
    rows read would not stop a row inserted meanwhile). SQLite runs one writing
    transaction at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

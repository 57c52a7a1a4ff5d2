"""The roster: enrolling an appraiser, listing a category in rotation order, changing a
standing. `enrol` is also what the committee's qualification decision will call."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import InvalidArgument
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal.common import (
    APPRAISER_ENROLLED,
    APPRAISER_STANDING_CHANGED,
    day_of,
    member_of,
    today,
    visible_appraiser,
)
from jes_review_workflow.appraisal.messages import roster_entry
from jes_review_workflow.domain.appraisal import access
from jes_review_workflow.domain.appraisal.rotation import Category, Standing, in_line
from jes_review_workflow.models import Appraiser, audit_log
from jes_servicekit.audit import actor_of

MAX_NAME = 100
NAME_REQUIRED = "請填寫鑑定人名稱"
UNTIL_REQUIRED = "停止輪派或不適任須填寫期限"
REASON_REQUIRED = "請填寫理由"


def enrol(
    session: Session,
    outbox: Outbox,
    claims: Claims,
    court_code: str,
    category: Category,
    name: str,
    account_id: str,
    qualification: str,
) -> Appraiser:
    """A new roster entry at the end of the category's line, in the caller's
    transaction: the last place, and a last turn as recent as anyone's, so a newcomer
    does not jump the line."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidArgument(NAME_REQUIRED, fields={"name": NAME_REQUIRED})
    same = (Appraiser.court_code == court_code, Appraiser.category == category.value)
    position = (session.scalar(select(func.max(Appraiser.position)).where(*same)) or 0) + 1
    last_turn = session.scalar(select(func.max(Appraiser.last_turn)).where(*same)) or 0
    row = Appraiser(
        court_code=court_code,
        category=category.value,
        name=name,
        account_id=account_id.strip(),
        position=position,
        standing=Standing.ACTIVE.value,
        until=None,
        last_turn=last_turn,
        qualification=qualification.strip(),
    )
    session.add(row)
    session.flush()
    entry = roster_entry(row, today())
    audit_log.record(
        session,
        actor_of(claims),
        APPRAISER_ENROLLED,
        subject_type="appraiser",
        subject_id=row.id,
        court_code=court_code,
        after={"name": row.name, "category": row.category, "position": position},
    )
    outbox.add(
        session, pb.RosterChanged(entry=entry), subject=row.id, trace_id=request_id_var.get()
    )
    return row


class Roster:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    def enrol(
        self,
        claims: Claims,
        court_code: str,
        category: Category,
        name: str,
        account_id: str,
        qualification: str,
    ) -> pb.RosterEntry:
        court_code = access.court_of(claims, court_code)
        with self.db.transaction() as session:
            row = enrol(
                session, self.outbox, claims, court_code, category, name, account_id, qualification
            )
            return roster_entry(row, today())

    def list(self, claims: Claims, court_code: str, category: Category) -> list[pb.RosterEntry]:
        court_code = access.court_of(claims, court_code)
        day = today()
        with self.db.transaction() as session:
            rows = {
                r.id: r
                for r in session.scalars(
                    select(Appraiser).where(
                        Appraiser.court_code == court_code, Appraiser.category == category.value
                    )
                )
            }
            ordered = in_line(member_of(r) for r in rows.values())
            return [roster_entry(rows[m.appraiser_id], day) for m in ordered]

    def change_standing(
        self, claims: Claims, appraiser_id: str, standing: Standing, until: str, reason: str
    ) -> pb.RosterEntry:
        access.require_standing_changer(claims, standing)
        until_day: date | None = None
        if standing is not Standing.ACTIVE:
            if not until.strip():
                raise InvalidArgument(UNTIL_REQUIRED, fields={"until": UNTIL_REQUIRED})
            until_day = day_of(until, "until")
        if not reason.strip():
            raise InvalidArgument(REASON_REQUIRED, fields={"reason": REASON_REQUIRED})
        with self.db.transaction() as session:
            row = visible_appraiser(session, claims, appraiser_id, for_update=True)
            before = {"standing": row.standing, "until": row.until.isoformat() if row.until else ""}
            row.standing = standing.value
            row.until = until_day
            row.standing_reason = reason.strip()
            audit_log.record(
                session,
                actor_of(claims),
                APPRAISER_STANDING_CHANGED,
                subject_type="appraiser",
                subject_id=row.id,
                court_code=row.court_code,
                before=before,
                after={"standing": row.standing, "until": until, "reason": row.standing_reason},
            )
            entry = roster_entry(row, today())
            self.outbox.add(
                session,
                pb.RosterChanged(entry=entry),
                subject=row.id,
                trace_id=request_id_var.get(),
            )
            return entry

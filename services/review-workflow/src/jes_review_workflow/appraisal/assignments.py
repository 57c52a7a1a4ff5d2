"""Assigning an appraiser to a case: by rotation (the next eligible one; everyone passed
over is logged with why and keeps their place), off the rotation (a ground and the
judicial affairs officer's approval), and replacing one (撤換) with the refund owed.
Each is one transaction: the assignment, the roster's turn, the rotation log entries,
the audit record and the events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import FailedPrecondition, InvalidArgument, NotFound
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal import log
from jes_review_workflow.appraisal.common import (
    APPRAISER_ASSIGNED,
    APPRAISER_ASSIGNED_OFF_ROTATION,
    APPRAISER_REPLACED,
    appraiser_in_court,
    may_see,
    member_of,
    today,
)
from jes_review_workflow.appraisal.messages import assignment_message
from jes_review_workflow.domain.appraisal import access
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.rotation import (
    Category,
    LogKind,
    propose,
    require_assignable,
)
from jes_review_workflow.models import AppraisalAssignment, Appraiser, audit_log
from jes_servicekit.audit import actor_of
from jes_zhtw import parse_case_number

ASSIGNMENT_NOT_FOUND = "查無此選任紀錄"
ALREADY_REPLACED = "此選任已撤換"
REASON_REQUIRED = "請填寫理由"
MAX_TEXT = 500


def _case_number(text: str) -> str:
    # parse_case_number refuses with a plain ValueError (zh-TW message), not only
    # CaseNumberInvalid: both are the person's input, never a server error.
    try:
        return parse_case_number(text).formal()
    except ValueError as problem:
        raise InvalidArgument(str(problem), fields={"case_number": str(problem)}) from None


def _text(value: str, field: str, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidArgument(REASON_REQUIRED, fields={field: REASON_REQUIRED})
    if len(value) > MAX_TEXT:
        raise InvalidArgument("文字過長", fields={field: f"請在 {MAX_TEXT} 字以內"})
    return value


def _roster(session: Session, court_code: str, category: Category) -> dict[str, Appraiser]:
    """The category's roster, locked: one rotation at a time per court and category."""
    rows = session.scalars(
        select(Appraiser)
        .where(Appraiser.court_code == court_code, Appraiser.category == category.value)
        .with_for_update()
    )
    return {row.id: row for row in rows}


class Assignments:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    def _record(
        self,
        session: Session,
        claims: Claims,
        row: AppraisalAssignment,
        name: str,
        action: str,
        ground_label: str = "",
    ) -> pb.Assignment:
        session.add(row)
        session.flush()
        message = assignment_message(row, name, ground_label)
        audit_log.record(
            session,
            actor_of(claims),
            action,
            subject_type="appraisal_assignment",
            subject_id=row.id,
            court_code=row.court_code,
            after={
                "case_number": row.case_number,
                "appraiser_id": row.appraiser_id,
                "appraiser_name": name,
                "ground": row.ground,
                "reason": row.reason,
                "skips": row.skips,
            },
        )
        self.outbox.add(
            session,
            pb.AppraiserAssigned(assignment=message),
            subject=row.id,
            trace_id=request_id_var.get(),
        )
        return message

    def by_rotation(
        self,
        claims: Claims,
        court_code: str,
        category: Category,
        case_number: str,
        division: str,
        ineligible: Mapping[str, str],
    ) -> pb.Assignment:
        court_code = access.court_of(claims, court_code)
        case = _case_number(case_number)
        division = _text(division, "division", required=False)
        reasons = {
            k.strip(): _text(v, f"ineligible[{k}].reason", required=True)
            for k, v in ineligible.items()
        }
        day = today()
        with self.db.transaction() as session:
            roster = _roster(session, court_code, category)
            proposal = propose([member_of(r) for r in roster.values()], day, reasons)
            who = {"by": claims.display_id, "case_number": case, "division": division}
            skips = []
            for skip in proposal.skips:
                log.append(
                    session,
                    self.outbox,
                    court_code,
                    LogKind.SKIPPED,
                    skip.appraiser_id,
                    day,
                    {**who, "reason": skip.reason, "category": category.value},
                )
                skips.append(
                    {
                        "appraiser_id": skip.appraiser_id,
                        "name": roster[skip.appraiser_id].name,
                        "reason": skip.reason,
                    }
                )
            chosen = roster[proposal.chosen.appraiser_id]
            entry = log.append(
                session,
                self.outbox,
                court_code,
                LogKind.ASSIGNED,
                chosen.id,
                day,
                {**who, "category": category.value},
            )
            chosen.last_turn = entry.sequence
            row = AppraisalAssignment(
                court_code=court_code,
                category=category.value,
                case_number=case,
                division=division,
                appraiser_id=chosen.id,
                assigned_by=claims.display_id,
                assigned_on=day,
                skips=skips,
            )
            return self._record(session, claims, row, chosen.name, APPRAISER_ASSIGNED)

    def off_rotation(
        self,
        claims: Claims,
        court_code: str,
        category: Category,
        case_number: str,
        division: str,
        appraiser_id: str,
        ground_code: str,
        reason: str,
    ) -> pb.Assignment:
        court_code = access.court_of(claims, court_code)
        day = today()
        ground = rules_for(court_code, day).off_rotation_ground(ground_code.strip())
        reason = _text(reason, "reason", required=True)
        case = _case_number(case_number)
        division = _text(division, "division", required=False)
        access.require_off_rotation_approver(claims)
        with self.db.transaction() as session:
            _roster(session, court_code, category)
            chosen = appraiser_in_court(session, court_code, appraiser_id)
            if chosen.category != category.value:
                raise FailedPrecondition(
                    "此鑑定人不在該類別名冊", fields={"appraiser_id": "此鑑定人不在該類別名冊"}
                )
            require_assignable(member_of(chosen), day)
            log.append(
                session,
                self.outbox,
                court_code,
                LogKind.EXCEPTION,
                chosen.id,
                day,
                {
                    "by": claims.display_id,
                    "approved_by": claims.display_id,
                    "case_number": case,
                    "division": division,
                    "category": category.value,
                    "ground": ground.code,
                    "reason": reason,
                },
            )
            row = AppraisalAssignment(
                court_code=court_code,
                category=category.value,
                case_number=case,
                division=division,
                appraiser_id=chosen.id,
                off_rotation=True,
                ground=ground.code,
                reason=reason,
                assigned_by=claims.display_id,
                approved_by=claims.display_id,
                assigned_on=day,
            )
            return self._record(
                session, claims, row, chosen.name, APPRAISER_ASSIGNED_OFF_ROTATION, ground.label
            )

    def replace(
        self,
        claims: Claims,
        assignment_id: str,
        reason: str,
        fee_received: int,
        work_completed: bool,
    ) -> pb.Assignment:
        reason = _text(reason, "reason", required=True)
        if fee_received < 0:
            raise InvalidArgument("金額不可為負數", fields={"fee_received": "金額不可為負數"})
        day: date = today()
        with self.db.transaction() as session:
            row = session.scalars(
                select(AppraisalAssignment)
                .where(AppraisalAssignment.id == assignment_id.strip())
                .with_for_update()
            ).first()
            if row is None or not may_see(claims, row.court_code):
                raise NotFound(ASSIGNMENT_NOT_FOUND, fields={"assignment_id": ASSIGNMENT_NOT_FOUND})
            if row.replaced:
                raise FailedPrecondition(ALREADY_REPLACED)
            before = {"replaced": False}
            row.replaced = True
            row.replaced_reason = reason
            # Point 6: fees received for work not completed go back to the party.
            row.refund_owed = 0 if work_completed else fee_received
            log.append(
                session,
                self.outbox,
                row.court_code,
                LogKind.REPLACED,
                row.appraiser_id,
                day,
                {
                    "by": claims.display_id,
                    "assignment_id": row.id,
                    "case_number": row.case_number,
                    "reason": reason,
                    "refund_owed": row.refund_owed,
                },
            )
            appraiser = session.get(Appraiser, row.appraiser_id)
            name = appraiser.name if appraiser else ""
            audit_log.record(
                session,
                actor_of(claims),
                APPRAISER_REPLACED,
                subject_type="appraisal_assignment",
                subject_id=row.id,
                court_code=row.court_code,
                before=before,
                after={"replaced": True, "reason": reason, "refund_owed": row.refund_owed},
            )
            message = assignment_message(row, name)
            self.outbox.add(
                session,
                pb.AppraiserReplaced(assignment=message),
                subject=row.id,
                trace_id=request_id_var.get(),
            )
            return message

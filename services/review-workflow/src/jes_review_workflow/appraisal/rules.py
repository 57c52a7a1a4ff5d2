"""The court's rules, the fee calculator, deadlines and the court's closures."""

from __future__ import annotations

from sqlalchemy import select

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import AlreadyExists, InvalidArgument
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal.common import (
    COURT_CLOSURE_RECORDED,
    court_calendar,
    day_of,
    today,
)
from jes_review_workflow.domain.appraisal import access
from jes_review_workflow.domain.appraisal.court_rules import CourtRules, rules_for
from jes_review_workflow.domain.appraisal.deadlines import DeadlineKind, deadline
from jes_review_workflow.domain.appraisal.fees import (
    ABOVE_SCHEDULE,
    FeeRequest,
    check_fee,
    schedule_for,
)
from jes_review_workflow.models import CourtClosure, audit_log
from jes_servicekit.audit import actor_of

CLOSURE_EXISTS = "此日已登錄為停止上班日"


def rules_message(rules: CourtRules) -> pb.AppraisalRules:
    d = rules.deadlines
    return pb.AppraisalRules(
        court_code=rules.court_code,
        effective_from=rules.effective_from.isoformat(),
        source=rules.source,
        area=rules.area,
        neighbouring_cities=rules.neighbouring_cities,
        travel_groups=[
            pb.TravelGroup(code=g.code, label=g.label, maximum=g.maximum, districts=g.districts)
            for g in rules.travel
        ],
        off_rotation_grounds=[
            pb.Ground(code=g.code, label=g.label) for g in rules.off_rotation_grounds
        ],
        disqualification_grounds=rules.disqualification.grounds,
        payment_days=d.payment_days,
        report_days=d.report_days,
        report_days_with_zoning=d.report_days_with_zoning,
        reply_days=d.reply_days,
        reply_after_reminder_days=d.reply_after_reminder_days,
    )


class AppraisalRules:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    def rules(self, claims: Claims, court_code: str, on: str) -> pb.AppraisalRules:
        court_code = access.court_of(claims, court_code)
        return rules_message(rules_for(court_code, day_of(on, "on", today())))

    def fee(
        self,
        claims: Claims,
        court_code: str,
        request: FeeRequest,
        charged: int,
        agreed: int,
        approved: bool,
    ) -> pb.AppraisalFee:
        court_code = access.court_of(claims, court_code)
        schedule = schedule_for(rules_for(court_code, today()), request)
        checked = check_fee(schedule, charged, agreed, approved)
        return pb.AppraisalFee(
            lines=[
                pb.FeeLine(
                    label=line.label,
                    maximum=line.maximum,
                    by_agreement=line.by_agreement,
                    note=line.note,
                )
                for line in schedule.lines
            ],
            maximum=schedule.maximum,
            by_agreement=schedule.by_agreement,
            charged=checked.charged,
            allowed=checked.allowed,
            above_by=checked.above_by,
            acceptable=checked.acceptable,
            problem="" if checked.acceptable else ABOVE_SCHEDULE,
        )

    def deadline(
        self, claims: Claims, court_code: str, kind: DeadlineKind, start: str
    ) -> pb.AppraisalDeadline:
        court_code = access.court_of(claims, court_code)
        start_day = day_of(start, "start")
        with self.db.transaction() as session:
            calendar = court_calendar(session, court_code)
        due = deadline(rules_for(court_code, start_day), kind, start_day, calendar)
        return pb.AppraisalDeadline(
            start=due.start.isoformat(),
            days=due.days,
            nominal=due.nominal.isoformat(),
            last_day=due.last_day.isoformat(),
        )

    def record_closure(
        self, claims: Claims, court_code: str, day: str, reason: str
    ) -> pb.CourtClosure:
        court_code = access.court_of(claims, court_code)
        closed = day_of(day, "day")
        reason = reason.strip()
        if not reason:
            raise InvalidArgument(
                "請填寫停止上班原因", fields={"reason": "請填寫停止上班原因（例如颱風）"}
            )
        with self.db.transaction() as session:
            exists = session.scalars(
                select(CourtClosure).where(
                    CourtClosure.court_code == court_code, CourtClosure.day == closed
                )
            ).first()
            if exists is not None:
                raise AlreadyExists(CLOSURE_EXISTS, fields={"day": CLOSURE_EXISTS})
            row = CourtClosure(
                court_code=court_code, day=closed, reason=reason, recorded_by=claims.display_id
            )
            session.add(row)
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                COURT_CLOSURE_RECORDED,
                subject_type="court_closure",
                subject_id=row.id,
                court_code=court_code,
                after={"day": closed.isoformat(), "reason": reason},
            )
            closure = pb.CourtClosure(
                court_code=court_code,
                day=closed.isoformat(),
                reason=reason,
                recorded_by=claims.display_id,
            )
            self.outbox.add(
                session,
                pb.CourtClosureRecorded(closure=closure),
                subject=row.id,
                trace_id=request_id_var.get(),
            )
            return closure

"""Auction outcomes from the court's systems, and the disqualification flags they (and
the rest of the data, as it arrives) show."""

from __future__ import annotations

from sqlalchemy import select

from jes.review_workflow.v1 import appraisers_pb2 as pb
from jes_auth import Claims
from jes_db import Database
from jes_domain import InvalidArgument
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_review_workflow.appraisal.common import (
    AUCTION_OUTCOME_RECORDED,
    appraiser_in_court,
    court_calendar,
    day_of,
    today,
)
from jes_review_workflow.appraisal.messages import AUCTION_RESULT
from jes_review_workflow.appraisal.work_queries import flag_inputs
from jes_review_workflow.domain.appraisal import access
from jes_review_workflow.domain.appraisal.court_rules import rules_for
from jes_review_workflow.domain.appraisal.disqualification import (
    AuctionOutcome,
    AuctionResult,
    flags,
)
from jes_review_workflow.domain.appraisal.rotation import Category
from jes_review_workflow.models import Appraiser, AuctionOutcomeRow, audit_log
from jes_servicekit.audit import actor_of

OUTCOME_ID_REQUIRED = "請提供拍賣結果編號"
BAD_PERCENT = "百分比應介於 0 與 1000 之間"


def _percent(value: float, field: str) -> float:
    if not 0 <= value <= 1000:
        raise InvalidArgument(BAD_PERCENT, fields={field: BAD_PERCENT})
    return value


class AuctionOutcomes:
    def __init__(self, db: Database, outbox: Outbox):
        self.db = db
        self.outbox = outbox

    def record(
        self,
        claims: Claims,
        court_code: str,
        outcome_id: str,
        case_number: str,
        appraiser_id: str,
        held_on: str,
        reserve_percent: float,
        result: AuctionResult,
        price_percent: float,
    ) -> bool:
        """False when this outcome id was recorded before (a court system's retry)."""
        court_code = access.court_of(claims, court_code)
        outcome_id = outcome_id.strip()
        if not outcome_id:
            raise InvalidArgument(OUTCOME_ID_REQUIRED, fields={"outcome_id": OUTCOME_ID_REQUIRED})
        held = day_of(held_on, "held_on")
        reserve = _percent(reserve_percent, "reserve_percent")
        price = _percent(price_percent, "price_percent")
        with self.db.transaction() as session:
            appraiser = appraiser_in_court(session, court_code, appraiser_id)
            known = session.scalars(
                select(AuctionOutcomeRow).where(
                    AuctionOutcomeRow.court_code == court_code,
                    AuctionOutcomeRow.outcome_id == outcome_id,
                )
            ).first()
            if known is not None:
                return False
            row = AuctionOutcomeRow(
                court_code=court_code,
                outcome_id=outcome_id,
                case_number=case_number.strip()[:40],
                appraiser_id=appraiser.id,
                category=appraiser.category,
                held_on=held,
                reserve_percent=reserve,
                result=result.value,
                price_percent=price,
            )
            session.add(row)
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                AUCTION_OUTCOME_RECORDED,
                subject_type="appraiser",
                subject_id=appraiser.id,
                court_code=court_code,
                after={
                    "outcome_id": outcome_id,
                    "held_on": held.isoformat(),
                    "reserve_percent": reserve,
                    "result": result.value,
                    "price_percent": price,
                },
            )
            self.outbox.add(
                session,
                pb.AuctionOutcomeRecorded(
                    court_code=court_code,
                    appraiser_id=appraiser.id,
                    outcome_id=outcome_id,
                    case_number=row.case_number,
                    held_on=held.isoformat(),
                    reserve_percent=reserve,
                    result=AUCTION_RESULT[result],
                    price_percent=price,
                ),
                subject=row.id,
                trace_id=request_id_var.get(),
            )
            return True

    def flags(self, claims: Claims, court_code: str, as_of: str) -> list[pb.DisqualificationFlag]:
        court_code = access.court_of(claims, court_code)
        day = day_of(as_of, "as_of", today())
        rules = rules_for(court_code, day)
        found: list[pb.DisqualificationFlag] = []
        with self.db.transaction() as session:
            calendar = court_calendar(session, court_code)
            appraisers = session.scalars(
                select(Appraiser)
                .where(Appraiser.court_code == court_code)
                .order_by(Appraiser.position)
            ).all()
            for appraiser in appraisers:
                outcomes = [
                    AuctionOutcome(
                        Category(o.category),
                        o.held_on,
                        o.reserve_percent,
                        AuctionResult(o.result),
                        o.price_percent,
                    )
                    for o in session.scalars(
                        select(AuctionOutcomeRow).where(
                            AuctionOutcomeRow.appraiser_id == appraiser.id
                        )
                    )
                ]
                inputs = flag_inputs(session, appraiser.id)
                for flag in flags(rules, calendar, day, outcomes=outcomes, **inputs):
                    found.append(
                        pb.DisqualificationFlag(
                            appraiser_id=appraiser.id,
                            name=appraiser.name,
                            ground=flag.ground,
                            label=flag.label,
                            evidence=flag.evidence,
                        )
                    )
        return found

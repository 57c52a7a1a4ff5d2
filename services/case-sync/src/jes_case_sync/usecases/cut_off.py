"""The cut-off's dates, announced once each: seven days before (CaseCutOffApproaching)
and on the day (CaseCutOffReached). A sweep finds the cases whose date has come; each
announcement records the cut-off date it was for, so a restarted clock is announced
again and a sweep run twice (or by two replicas) announces nothing twice."""

from __future__ import annotations

from sqlalchemy import or_, select

from jes.case_sync.v1 import case_events_pb2 as events
from jes_case_sync.case_store import active_followers, case_message, follower_messages
from jes_case_sync.domain.statuses import Status
from jes_case_sync.models import Case
from jes_case_sync.usecases.common import Infrastructure

SWEEP_BATCH = 500


class CutOffSweep:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def run(self) -> int:
        """One round: how many announcements were added."""
        today = self.infra.today()
        added = 0
        with self.infra.db.transaction() as session:
            approaching = session.scalars(
                select(Case)
                .where(
                    Case.warn_on <= today,
                    Case.cut_off_on > today,
                    or_(Case.warned_for.is_(None), Case.warned_for != Case.cut_off_on),
                )
                .limit(SWEEP_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            reached = session.scalars(
                select(Case)
                .where(
                    Case.cut_off_on <= today,
                    or_(Case.ended_for.is_(None), Case.ended_for != Case.cut_off_on),
                )
                .limit(SWEEP_BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            followers = active_followers(session, [c.id for c in [*approaching, *reached]])
            for case in approaching:
                assert case.cut_off_on is not None
                self.infra.publish(
                    session,
                    events.CaseCutOffApproaching(
                        case_id=case.id,
                        case=case_message(case),
                        status=Status(case.status).value_in_contract,
                        cut_off_on=case.cut_off_on.isoformat(),
                        followers=follower_messages(followers[case.id]),
                    ),
                    subject=case.id,
                )
                case.warned_for = case.cut_off_on
                added += 1
            for case in reached:
                assert case.cut_off_on is not None
                self.infra.publish(
                    session,
                    events.CaseCutOffReached(
                        case_id=case.id,
                        case=case_message(case),
                        cut_off_on=case.cut_off_on.isoformat(),
                        follow_ids=[f.id for f in followers[case.id]],
                    ),
                    subject=case.id,
                )
                case.ended_for = case.cut_off_on
                case.warned_for = case.cut_off_on  # no warning after the day itself
                added += 1
        return added

"""The court's decision on a firm's account application.

The reviewer's token is first exchanged at identity for a grant bound to this decision
(grants.py; identity away: nothing is recorded). Recorded then, in one transaction (state
"deciding", who decided what, the grant), then carried
out by identity (idempotent per application; carry_out.py): right away by this request,
else by the decision worker. The audit entry is written with the outcome.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from jes.identity.v1 import identity_pb2 as identity_pb
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import Claims
from jes_db import Database, new_id, utcnow
from jes_domain import NotFound
from jes_grpckit import Client, current_user_token
from jes_review_workflow.carry_out import CarryOutDecisions
from jes_review_workflow.domain import access
from jes_review_workflow.domain.decisions import (
    APPLICATION_NOT_FOUND,
    FirmDecisionState,
    firm_application_reason,
    require_same_firm_decision,
)
from jes_review_workflow.domain.submissions import LEASE
from jes_review_workflow.grants import FIRM_APPLICATION, decision_grant
from jes_review_workflow.messages import decision_message
from jes_review_workflow.models import FirmApplicationDecision
from jes_review_workflow.queries import firm_decision_of
from jes_servicekit.audit import actor_of


class DecideFirmApplication:
    def __init__(
        self, db: Database, identity: Client[IdentityServiceStub], carry_out: CarryOutDecisions
    ):
        self.db = db
        self.identity = identity
        self.carry_out = carry_out

    def __call__(
        self, claims: Claims, application_id: str, approve: bool, reason: str
    ) -> pb.FirmApplicationDecision:
        access.require_reviewer(claims)
        reason = firm_application_reason(application_id, approve, reason)
        earlier = self._earlier(claims, application_id, approve, reason)
        if earlier is not None:
            return earlier
        application = self._application(claims, application_id)
        decision_id = new_id()
        grant = decision_grant(
            self.identity,
            kind=FIRM_APPLICATION,
            target_id=application.id,
            version="",
            approve=approve,
            decision_id=decision_id,
            court_code=application.court_code,
        )
        now = utcnow()
        try:
            with self.db.transaction() as session:
                session.add(
                    FirmApplicationDecision(
                        id=decision_id,
                        decision_grant=grant,
                        application_id=application.id,
                        court_code=application.court_code,
                        approved=approve,
                        reason=reason,
                        account_id="",
                        decided_by=claims.display_id,
                        decided_by_role=actor_of(claims).role,
                        decided_at=now,
                        state=FirmDecisionState.DECIDING.value,
                        company_name=application.company_name,
                        email=application.email,
                        # This request makes the first attempt; the worker waits that long.
                        attempts=1,
                        next_attempt_at=now + LEASE,
                    )
                )
        except IntegrityError:  # another reviewer's decision was recorded first
            earlier = self._earlier(claims, application_id, approve, reason)
            assert earlier is not None
            return earlier
        return self.carry_out.firm_application(application.id)

    def _earlier(
        self, claims: Claims, application_id: str, approve: bool, reason: str
    ) -> pb.FirmApplicationDecision | None:
        """The recorded decision, when there is one: the same again is answered with it
        (as it stands), another is refused."""
        with self.db.transaction() as session:
            earlier = firm_decision_of(session, application_id)
            if earlier is None:
                return None
            if not access.may_see(claims, earlier.court_code):
                raise NotFound(APPLICATION_NOT_FOUND)
            require_same_firm_decision(earlier.approved, earlier.reason, approve, reason)
            return decision_message(earlier)

    def _application(self, claims: Claims, application_id: str) -> identity_pb.FirmApplication:
        """The application from identity, looked up within the clerk's own court (any court
        for an admin), so another court's application is not found."""
        reply = self.identity.as_caller(current_user_token()).ListFirmApplications(
            identity_pb.ListFirmApplicationsRequest(court_code=access.application_court(claims))
        )
        for application in reply.applications:
            if application.id == application_id:
                return application
        raise NotFound(APPLICATION_NOT_FOUND)

"""The court's decision on a firm's account application.

Identity carries it out first (it is idempotent per application), then the decision is
recorded here with its audit entry in one transaction.
"""

from __future__ import annotations

import grpc
from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as identity_pb
from jes.identity.v1.identity_pb2_grpc import IdentityServiceStub
from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_auth import Claims
from jes_db import Database, utcnow
from jes_domain import NotFound
from jes_grpckit import Client, current_user_token
from jes_review_workflow.domain import access
from jes_review_workflow.domain.audit import firm_application_action
from jes_review_workflow.domain.decisions import (
    APPLICATION_NOT_FOUND,
    firm_application_reason,
    require_same_firm_decision,
)
from jes_review_workflow.messages import decision_message
from jes_review_workflow.models import FirmApplicationDecision, audit_log
from jes_review_workflow.remote import passed_on
from jes_servicekit.audit import actor_of


class DecideFirmApplication:
    def __init__(self, db: Database, identity: Client[IdentityServiceStub]):
        self.db = db
        self.identity = identity

    def __call__(
        self, claims: Claims, application_id: str, approve: bool, reason: str
    ) -> pb.FirmApplicationDecision:
        access.require_reviewer(claims)
        reason = firm_application_reason(application_id, approve, reason)
        with self.db.transaction() as session:
            earlier = decision_of(session, application_id)
            if earlier is not None:
                if not access.may_see(claims, earlier.court_code):
                    raise NotFound(APPLICATION_NOT_FOUND)
                return same_decision(earlier, approve, reason)
        application = self._application(claims, application_id)
        try:
            # For the clerk whose token this call forwards: identity records that clerk.
            decided = self.identity.as_caller(current_user_token()).DecideFirmApplication(
                identity_pb.DecideFirmApplicationRequest(
                    application_id=application.id, approve=approve, reason=reason
                )
            )
        except grpc.RpcError as error:
            raise passed_on(error) from error
        with self.db.transaction() as session:
            earlier = decision_of(session, application.id)
            if earlier is not None:  # another reviewer's identical decision got here first
                return same_decision(earlier, approve, reason)
            decision = FirmApplicationDecision(
                application_id=application.id,
                court_code=application.court_code,
                approved=approve,
                reason=reason,
                account_id=decided.account_id,
                decided_by=claims.display_id,
                decided_at=utcnow(),
            )
            session.add(decision)
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                firm_application_action(approve),
                subject_type="firm_application",
                subject_id=application.id,
                court_code=application.court_code,
                before={
                    "status": "pending",
                    "company_name": application.company_name,
                    "email": application.email,
                },
                after={
                    "status": "activated" if approve else "refused",
                    "company_name": application.company_name,
                    "email": application.email,
                    "account_id": decision.account_id,
                    "reason": reason,
                    "decided_by": decision.decided_by,
                },
            )
            return decision_message(decision)

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


def decision_of(session: Session, application_id: str) -> FirmApplicationDecision | None:
    return session.scalar(
        select(FirmApplicationDecision).where(
            FirmApplicationDecision.application_id == application_id
        )
    )


def same_decision(
    earlier: FirmApplicationDecision, approve: bool, reason: str
) -> pb.FirmApplicationDecision:
    require_same_firm_decision(earlier.approved, earlier.reason, approve, reason)
    return decision_message(earlier)

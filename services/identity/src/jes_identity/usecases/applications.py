"""Firm applications: applying, listing them for a court, and carrying out the court's
decision (recorded by review-workflow, which calls here as itself with the reviewer's
decision grant)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_db.audit import Actor
from jes_domain import NotFound
from jes_identity.accounts_store import account_by_name_or_id, firm_account_ids
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACTIVE, FIRM_ROLE, next_firm_account_id
from jes_identity.domain.applications import (
    ApplicationStatus,
    Decision,
    DecisionForm,
    decide,
    validate_application,
    validate_decision,
)
from jes_identity.domain.audit_actions import application_decided
from jes_identity.messages import actor_of_account, application_message
from jes_identity.models import Account, FirmApplication, audit_log
from jes_identity.usecases.common import Infrastructure, open_for_activation

# Two decisions on different applications of one court may pick the same new account id
# at once; the unique constraint stops the second, which tries again.
DECISION_ATTEMPTS = 3


class Applications:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def apply(
        self, court_code: str, company_name: str, contact_person: str, email: str, phone: str
    ) -> pb.FirmApplication:
        """A firm asks for an account (public): stored as pending, FirmAccountApplied."""
        form = validate_application(court_code, company_name, contact_person, email, phone)
        with self.infra.db.transaction() as session:
            app = FirmApplication(
                court_code=form.court_code,
                company_name=form.company_name,
                contact_person=form.contact_person,
                email=form.email,
                phone=form.phone,
                status=ApplicationStatus.PENDING.value,
                created_at=utcnow(),
            )
            session.add(app)
            session.flush()
            message = application_message(app)
            self.infra.publish(session, pb.FirmAccountApplied(application=message), app.id)
        return message

    def list(self, caller: Caller, court_code: str, status: str | None) -> list[pb.FirmApplication]:
        """Oldest first. `status`: only those in it (None: any; a status no application
        has lists none)."""
        court_code = access.application_court_scope(caller, court_code)
        query = select(FirmApplication).order_by(FirmApplication.created_at, FirmApplication.id)
        if court_code:
            query = query.where(FirmApplication.court_code == court_code)
        if status is not None:
            query = query.where(FirmApplication.status == status)
        with self.infra.db.transaction() as session:
            return [application_message(a) for a in session.scalars(query)]

    def decide(
        self, caller: Caller, application_id: str, approve: bool, reason: str, bound_court: str
    ) -> pb.FirmApplication:
        """Activate (create the firm's account and mail it a link) or refuse; the same
        decision again returns the application unchanged. Who decided is `caller`: the
        reviewer named by the decision grant review-workflow presents, never a field of the
        request; `bound_court` is the court that grant is for."""
        form = validate_decision(application_id, approve, reason, caller.display_id)
        for attempt in range(DECISION_ATTEMPTS):
            try:
                return self._decide(caller, form, bound_court)
            except IntegrityError:
                if attempt == DECISION_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _decide(self, caller: Caller, form: DecisionForm, bound_court: str) -> pb.FirmApplication:
        with self.infra.db.transaction() as session:
            app = session.scalar(
                select(FirmApplication)
                .where(FirmApplication.id == form.application_id)
                .with_for_update()
            )
            if app is None:
                raise NotFound("查無此帳號申請")
            access.require_bound_court(bound_court, app.court_code)
            access.require_decider(caller, app.court_code)
            transition = decide(ApplicationStatus(app.status), form.decision)
            if transition.is_retry:
                return application_message(app)
            decider = account_by_name_or_id(session, form.decided_by)
            actor = actor_of_account(decider) if decider else Actor(form.decided_by, "clerk")
            app.status = transition.after.value
            app.decided_at = utcnow()
            app.decided_by = actor.account_id
            event: pb.FirmAccountActivated | pb.FirmApplicationRefused
            if form.decision == Decision.APPROVE:
                event = self._activate(session, app, actor)
            else:
                app.reason = form.reason
                session.flush()
                event = pb.FirmApplicationRefused(application=application_message(app))
            audit_log.record(
                session,
                actor,
                application_decided(transition.after),
                subject_type="firm_application",
                subject_id=app.id,
                court_code=app.court_code,
                before={"status": transition.before.value},
                after={
                    "status": transition.after.value,
                    "account_id": app.account.account_id if app.account else "",
                    "reason": app.reason,
                    "decided_by": app.decided_by,
                },
            )
            self.infra.publish(session, event, app.id)
            return application_message(app)

    def _activate(
        self, session: Session, app: FirmApplication, actor: Actor
    ) -> pb.FirmAccountActivated:
        """The firm's account, without a usable password, and the event that mails it a
        one-time link to set one."""
        account = Account(
            account_id=next_firm_account_id(
                app.court_code, firm_account_ids(session, app.court_code)
            ),
            password_hash=None,
            display_name=app.company_name,
            email=app.email,
            phone=app.phone,
            contact_person=app.contact_person,
            roles=FIRM_ROLE,
            court_code=app.court_code,
            status=ACTIVE,
            created_at=utcnow(),
        )
        link = open_for_activation(session, actor, account)
        app.account = account
        event = pb.FirmAccountActivated(
            application=application_message(app),
            account_id=account.account_id,
            set_password_link_id=link.id,
        )
        event.token_expires_at.FromDatetime(link.expires_at)
        return event

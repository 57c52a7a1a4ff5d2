"""Professional registration (seed 001): a professional applies, an administrator
approves (the account is created and a one-time activation link mailed, the same link
firms get) or refuses with a reason, and the applicant's first password completes the
activation. Decisions are the administrator's, from their token."""

from __future__ import annotations

import hmac

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_db.audit import Actor
from jes_domain import AlreadyExists, FailedPrecondition, NotFound
from jes_identity.accounts_store import account_by_login_name, account_by_name_or_id
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACCOUNT_ID_TAKEN, ACTIVE, PROFESSIONAL_ROLE
from jes_identity.domain.audit_actions import professional_step
from jes_identity.domain.professionals import (
    APPLICATION_NOT_FOUND,
    BAD_APPLICATION,
    DUPLICATE_LICENCE,
    DUPLICATE_NATIONAL_ID,
    ProfessionalForm,
    ProfessionalStatus,
    Step,
    advance,
    validate_professional_decision,
    validate_professional_form,
)
from jes_identity.messages import actor_of_account
from jes_identity.models import Account, ProfessionalApplication, audit_log
from jes_identity.professional_messages import (
    professional_message,
    professional_notice,
    professional_record,
)
from jes_identity.usecases.common import Infrastructure, open_for_activation
from jes_zhtw import to_taipei

ADMIN_ROLE = "admin"
APPLICATION_SUBJECT = "professional_application"


def duplicate_problems(session: Session, form: ProfessionalForm) -> dict[str, str]:
    """Which of the form's unique values a live application or an account already has."""
    problems: dict[str, str] = {}
    clashes = session.scalars(
        select(ProfessionalApplication).where(
            or_(
                ProfessionalApplication.live_national_id == form.national_id,
                ProfessionalApplication.live_account_id == form.account_id,
                ProfessionalApplication.live_licence == (form.licence_key or None),
            )
        )
    ).all()
    for other in clashes:
        if other.live_national_id == form.national_id:
            problems["national_id"] = DUPLICATE_NATIONAL_ID
        if form.licence_key and other.live_licence == form.licence_key:
            problems["licence_number"] = DUPLICATE_LICENCE
        if other.live_account_id == form.account_id:
            problems["account_id"] = ACCOUNT_ID_TAKEN
    if account_by_login_name(session, form.account_id) is not None:
        problems["account_id"] = ACCOUNT_ID_TAKEN
    return problems


def set_live(app: ProfessionalApplication, live: bool) -> None:
    """Hold (or let go of) the values no second live application may name."""
    app.live_national_id = app.national_id if live else None
    app.live_account_id = app.account_id if live else None
    licence = f"{app.kind}:{app.licence_number}" if app.licence_number else None
    app.live_licence = licence if live else None


class Professionals:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def apply(self, **fields: str | bool) -> pb.ProfessionalApplication:
        """A professional applies (public): stored as submitted, or AlreadyExists naming
        the national ID, licence or account id another application or account has."""
        today = to_taipei(utcnow()).date()
        form = validate_professional_form(**fields, today=today)  # type: ignore[arg-type]
        try:
            with self.infra.db.transaction() as session:
                if problems := duplicate_problems(session, form):
                    raise AlreadyExists(BAD_APPLICATION, fields=problems)
                app = ProfessionalApplication(
                    kind=form.kind.value,
                    account_id=form.account_id,
                    name=form.name,
                    gender=form.gender.value,
                    national_id=form.national_id,
                    is_resident_certificate=form.is_resident_certificate,
                    birth_date=form.birth_date,
                    licence_number=form.licence_number,
                    association=form.association,
                    office_name=form.office_name,
                    address=form.address,
                    phone=form.phone,
                    mobile=form.mobile,
                    email=form.email,
                    fax=form.fax,
                    status=ProfessionalStatus.SUBMITTED.value,
                    created_at=utcnow(),
                )
                set_live(app, True)
                session.add(app)
                session.flush()
                self.infra.publish(
                    session,
                    pb.ProfessionalApplicationSubmitted(application=professional_notice(app)),
                    app.id,
                )
                return professional_message(app)
        except IntegrityError:
            # the same values sent twice at once: the unique constraints stopped the
            # second; name what the first one now holds
            with self.infra.db.transaction() as session:
                problems = duplicate_problems(session, form)
            raise AlreadyExists(
                BAD_APPLICATION, fields=problems or {"national_id": DUPLICATE_NATIONAL_ID}
            ) from None

    def get(
        self, caller: Caller, application_id: str, national_id: str
    ) -> pb.ProfessionalApplication:
        """An administrator's, or the applicant's who names the national ID on it."""
        with self.infra.db.transaction() as session:
            app = session.get(ProfessionalApplication, application_id.strip())
            if app is None:
                raise NotFound(APPLICATION_NOT_FOUND)
            if not access.has_role(caller, ADMIN_ROLE):
                typed = national_id.strip().upper().encode()
                if not hmac.compare_digest(typed, app.national_id.encode()):
                    raise NotFound(APPLICATION_NOT_FOUND)
            return professional_message(app)

    def list(
        self, caller: Caller, status: ProfessionalStatus | None
    ) -> list[pb.ProfessionalApplication]:
        """Oldest first; `status` None: any."""
        access.require_role(caller, ADMIN_ROLE)
        query = select(ProfessionalApplication).order_by(
            ProfessionalApplication.created_at, ProfessionalApplication.id
        )
        if status is not None:
            query = query.where(ProfessionalApplication.status == status.value)
        with self.infra.db.transaction() as session:
            return [professional_message(a) for a in session.scalars(query)]

    def decide(
        self, caller: Caller, application_id: str, approve: bool, reason: str
    ) -> pb.ProfessionalApplication:
        """Approve (the account, its activation link, the mail) or refuse with a reason.
        The same decision again returns the application unchanged."""
        access.require_role(caller, ADMIN_ROLE)
        decision = validate_professional_decision(application_id, approve, reason)
        with self.infra.db.transaction() as session:
            app = session.scalar(
                select(ProfessionalApplication)
                .where(ProfessionalApplication.id == decision.application_id)
                .with_for_update()
            )
            if app is None:
                raise NotFound("查無此聲請案")
            transition = advance(ProfessionalStatus(app.status), decision.step)
            if transition.is_retry:
                return professional_message(app)
            decider = account_by_name_or_id(session, caller.display_id)
            actor = actor_of_account(decider) if decider else Actor(caller.display_id, ADMIN_ROLE)
            before = professional_record(app)
            app.status = transition.after.value
            app.decided_at = utcnow()
            app.decided_by = actor.account_id
            event: pb.ProfessionalAccountApproved | pb.ProfessionalApplicationRefused
            if decision.step == Step.APPROVE:
                event = self._approve(session, app, actor)
            else:
                app.reason = decision.reason
                set_live(app, False)  # the applicant may apply again
                session.flush()
                event = pb.ProfessionalApplicationRefused(application=professional_notice(app))
            audit_log.record(
                session,
                actor,
                professional_step(transition.after),
                subject_type=APPLICATION_SUBJECT,
                subject_id=app.id,
                before=before,
                after=professional_record(app),
            )
            self.infra.publish(session, event, app.id)
            return professional_message(app)

    def _approve(
        self, session: Session, app: ProfessionalApplication, actor: Actor
    ) -> pb.ProfessionalAccountApproved:
        """The account with the login name asked for, without a usable password, and the
        event that mails the one-time activation link (as for firms)."""
        if account_by_login_name(session, app.account_id) is not None:
            raise FailedPrecondition(
                "聲請的帳號已被其他帳號使用，請駁回並請聲請人另選帳號",
                fields={"account_id": ACCOUNT_ID_TAKEN},
            )
        account = Account(
            account_id=app.account_id,
            password_hash=None,
            display_name=app.name,
            email=app.email,
            phone=app.phone,
            contact_person="",
            roles=PROFESSIONAL_ROLE,
            court_code="",
            status=ACTIVE,
            created_at=utcnow(),
        )
        link = open_for_activation(session, actor, account)
        app.account = account
        event = pb.ProfessionalAccountApproved(
            application=professional_notice(app), set_password_link_id=link.id
        )
        event.token_expires_at.FromDatetime(link.expires_at)
        return event


def complete_activation(session: Session, account: Account) -> None:
    """The account's first password, set through its activation link: an approved
    professional application of the account is now activated (recorded as the
    applicant's own step). Accounts of no such application are left alone."""
    app = session.scalar(
        select(ProfessionalApplication)
        .where(ProfessionalApplication.account_ref == account.id)
        .with_for_update()
    )
    if app is None or app.status != ProfessionalStatus.APPROVED:
        return  # not a professional's account, or activated before
    transition = advance(ProfessionalStatus(app.status), Step.ACTIVATE)
    before = professional_record(app)
    app.status = transition.after.value
    app.activated_at = utcnow()
    audit_log.record(
        session,
        actor_of_account(account),
        professional_step(transition.after),
        subject_type=APPLICATION_SUBJECT,
        subject_id=app.id,
        before=before,
        after=professional_record(app),
    )

"""Changing one's own e-mail address (issue 10, journey 10): the new address is used
only after the code mailed to it is entered; then the old address is told."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes.identity.v1 import verification_pb2 as vpb
from jes_db import utcnow
from jes_domain import FailedPrecondition, InvalidArgument, ResourceExhausted, Unauthenticated
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACTIVE
from jes_identity.domain.audit_actions import ACCOUNT_EMAIL_CHANGED
from jes_identity.domain.codes import NO_CODE, CodePurpose, Subject
from jes_identity.domain.validation import BAD_INPUT
from jes_identity.messages import account_message, actor_of_account
from jes_identity.models import Account, EmailCode, audit_log
from jes_identity.usecases.codes import CodeSent, EmailCodes, checked_email
from jes_identity.usecases.common import Infrastructure

SAME_ADDRESS = "這已是您目前的電子郵件"


def pending_email(session: Session, account: Account) -> str:
    """The new address waiting for its code ("" when none)."""
    code = session.scalar(
        select(EmailCode)
        .where(
            EmailCode.account_id == account.id,
            EmailCode.purpose == str(CodePurpose.EMAIL_CHANGE),
            EmailCode.retired_at.is_(None),
            EmailCode.verified_at.is_(None),
            EmailCode.expires_at > utcnow(),
        )
        .order_by(EmailCode.created_at.desc())
        .limit(1)
    )
    return code.email if code else ""


def account_with_pending(session: Session, account: Account) -> pb.Account:
    message = account_message(account)
    message.pending_email = pending_email(session, account)
    return message


class EmailChange:
    def __init__(self, infra: Infrastructure, codes: EmailCodes):
        self.infra = infra
        self.codes = codes

    def _own(self, session: Session, caller: Caller) -> Account:
        access.require_user(caller)
        account = session.get(Account, caller.subject)
        if account is None or account.status != ACTIVE:
            raise Unauthenticated("帳號已停用或不存在，請重新登入")
        return account

    def request_in(self, session: Session, account: Account, email: str) -> CodeSent | None:
        """Mail a code to `email` (normalised) unless it is the address in use (None).
        The same pending address is not mailed again (its code still works)."""
        if email == account.email.lower():
            return None
        if email == pending_email(session, account):
            return None
        return self._send(session, account, email)

    def _send(self, session: Session, account: Account, email: str) -> CodeSent:
        try:
            return self.codes.send_in(
                session, Subject(account_id=account.id), CodePurpose.EMAIL_CHANGE, email, account
            )
        except ResourceExhausted as refused:  # too soon, too many: at the field
            raise ResourceExhausted(str(refused), fields={"email": str(refused)}) from None

    def request(self, caller: Caller, typed_email: str) -> CodeSent:
        email = checked_email(typed_email)
        with self.infra.db.transaction() as session:
            account = self._own(session, caller)
            if email == account.email.lower():
                raise InvalidArgument(BAD_INPUT, fields={"email": SAME_ADDRESS})
            # asked again for the pending address: a new code (after the resend wait)
            return self._send(session, account, email)

    def confirm(self, caller: Caller, typed_code: str) -> pb.Account:
        with self.infra.db.transaction() as session:
            account = self._own(session, caller)
            new_email = pending_email(session, account)
            if not new_email:
                raise FailedPrecondition(NO_CODE)
            result = self.codes.try_in(
                session,
                Subject(account_id=account.id),
                CodePurpose.EMAIL_CHANGE,
                new_email,
                typed_code,
            )
            if isinstance(result, str):
                problem = result
            else:
                problem = ""
                result.consumed_at = utcnow()
                old_email = account.email
                account.email = new_email
                audit_log.record(
                    session,
                    actor_of_account(account),
                    ACCOUNT_EMAIL_CHANGED,
                    subject_type="account",
                    subject_id=account.account_id,
                    court_code=account.court_code,
                    before={"email": old_email},
                    after={"email": new_email},
                )
                event = vpb.EmailChanged(
                    account_id=account.account_id,
                    display_name=account.display_name,
                    old_email=old_email,
                    new_email=new_email,
                )
                event.changed_at.FromDatetime(utcnow())
                self.infra.publish(session, event, account.id)
                reply = account_with_pending(session, account)
        if problem:  # raised after the commit: the wrong try stays counted
            raise InvalidArgument(BAD_INPUT, fields={"code": problem})
        return reply

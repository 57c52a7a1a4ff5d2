"""E-mail verification codes: mail one (through the outbox: notification asks for the
code when it sends the mail), check one, and use up a verified address. Other use
cases (registration, e-mail change, binding) call `send_in` / `try_in` /
`consume_verified_in` inside their own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from jes.identity.v1 import verification_pb2 as vpb
from jes_db import utcnow
from jes_domain import FailedPrecondition, InvalidArgument, Unauthenticated
from jes_identity.codes import consume_verified, create_code, issue_code, try_code
from jes_identity.domain.access import Caller, require_link_mailer
from jes_identity.domain.accounts import ACTIVE
from jes_identity.domain.codes import (
    CodePurpose,
    Subject,
    purpose_fits,
    registration_subject,
    resend_after,
    typed_code_problem,
)
from jes_identity.domain.validation import BAD_INPUT, email_problem, normalize_email
from jes_identity.models import Account, EmailCode
from jes_identity.usecases.common import Infrastructure

PURPOSE_CODES: dict[CodePurpose, vpb.VerificationPurpose.ValueType] = {
    CodePurpose.REGISTRATION: vpb.VERIFICATION_PURPOSE_REGISTRATION,
    CodePurpose.EMAIL_CHANGE: vpb.VERIFICATION_PURPOSE_EMAIL_CHANGE,
    CodePurpose.ACCOUNT_BINDING: vpb.VERIFICATION_PURPOSE_ACCOUNT_BINDING,
}
PURPOSES_BY_CODE = {code: purpose for purpose, code in PURPOSE_CODES.items()}
LOGIN_REQUIRED = "請先登入"
# The purposes a caller may send and check through the generic RPCs; the others belong
# to the flow that uses them (ConfirmEmailChange, BindAccount).
GENERIC_PURPOSES = (CodePurpose.REGISTRATION,)


@dataclass(frozen=True)
class CodeSent:
    code_id: str
    email: str
    expires_at: datetime
    resend_after_seconds: int


def purpose_of(code: int) -> CodePurpose:
    purpose = next((p for c, p in PURPOSES_BY_CODE.items() if c == code), None)
    if purpose is None:
        raise InvalidArgument(BAD_INPUT, fields={"purpose": "請指定認證碼的用途"})
    return purpose


def checked_email(typed: str, field: str = "email") -> str:
    email = normalize_email(typed)
    if not email:
        raise InvalidArgument(BAD_INPUT, fields={field: "請輸入電子郵件"})
    if problem := email_problem(email):
        raise InvalidArgument(BAD_INPUT, fields={field: problem})
    return email


def code_sent(code: EmailCode) -> CodeSent:
    return CodeSent(
        code_id=code.id,
        email=code.email,
        expires_at=code.expires_at,
        resend_after_seconds=resend_after(code.created_at, utcnow()),
    )


class EmailCodes:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    # -- inside another use case's transaction -------------------------------------------

    def send_in(
        self,
        session: Session,
        subject: Subject,
        purpose: CodePurpose,
        email: str,
        account: Account | None = None,
    ) -> CodeSent:
        """Create the code and add its mail to the outbox (ResourceExhausted when asked
        again too soon or too often; nothing is then sent)."""
        code = create_code(session, subject, purpose, email)
        event = vpb.VerificationCodeRequested(
            code_id=code.id,
            email=email,
            purpose=PURPOSE_CODES[purpose],
            account_id=account.account_id if account else "",
        )
        event.expires_at.FromDatetime(code.expires_at)
        self.infra.publish(session, event, subject.account_id or subject.registration_id)
        return code_sent(code)

    @staticmethod
    def try_in(
        session: Session, subject: Subject, purpose: CodePurpose, email: str, typed: str
    ) -> EmailCode | str:
        """The verified code, or the problem to show with field "code" (commit the
        transaction first: the wrong try counts). See jes_identity.codes.try_code."""
        if problem := typed_code_problem(typed):
            raise InvalidArgument(BAD_INPUT, fields={"code": problem})
        return try_code(session, subject, purpose, email, typed)

    @staticmethod
    def consume_verified_in(
        session: Session, subject: Subject, purpose: CodePurpose, email: str
    ) -> None:
        """Use up a verified address (e.g. a registration creating its account with it);
        FailedPrecondition (field "email") when it was not verified, or already used."""
        consume_verified(session, subject, purpose, email)

    # -- the RPCs ------------------------------------------------------------------------

    def subject_of(self, session: Session, caller: Caller, registration_id: str) -> Subject:
        """A registration's (by its id), else the signed-in caller's account."""
        if registration_id.strip():
            return registration_subject(registration_id)
        if caller.is_service:
            raise Unauthenticated(LOGIN_REQUIRED)
        account = session.get(Account, caller.subject)
        if account is None or account.status != ACTIVE:
            raise Unauthenticated("帳號已停用或不存在，請重新登入")
        return Subject(account_id=account.id)

    def send(
        self, caller: Caller, purpose_code: int, typed_email: str, registration_id: str
    ) -> CodeSent:
        """SendVerificationCode: a code for a registration's first address."""
        purpose = purpose_of(purpose_code)
        email = checked_email(typed_email)
        if purpose not in GENERIC_PURPOSES:
            raise InvalidArgument(BAD_INPUT, fields={"purpose": "此用途的認證碼請由其功能發送"})
        with self.infra.db.transaction() as session:
            subject = self.subject_of(session, caller, registration_id)
            if not purpose_fits(purpose, subject):
                raise InvalidArgument(BAD_INPUT, fields={"registration_id": "請指定註冊識別碼"})
            return self.send_in(session, subject, purpose, email)

    def verify(
        self,
        caller: Caller,
        purpose_code: int,
        typed_email: str,
        registration_id: str,
        typed_code: str,
    ) -> tuple[str, datetime]:
        """VerifyEmailCode: the verified address and when. A wrong code is counted (5
        tries), then refused with field "code"."""
        purpose = purpose_of(purpose_code)
        email = checked_email(typed_email)
        if purpose not in GENERIC_PURPOSES:
            raise InvalidArgument(BAD_INPUT, fields={"purpose": "此用途的認證碼請由其功能確認"})
        with self.infra.db.transaction() as session:
            subject = self.subject_of(session, caller, registration_id)
            if not purpose_fits(purpose, subject):
                raise InvalidArgument(BAD_INPUT, fields={"registration_id": "請指定註冊識別碼"})
            result = self.try_in(session, subject, purpose, email, typed_code)
        if isinstance(result, str):  # raised after the commit: the wrong try stays counted
            raise InvalidArgument(BAD_INPUT, fields={"code": result})
        assert result.verified_at is not None
        return result.email, result.verified_at

    def issue(self, caller: Caller, code_id: str) -> tuple[str, datetime]:
        """IssueVerificationCode: the code for the mail notification is sending."""
        require_link_mailer(caller)
        if not code_id.strip():
            raise InvalidArgument(BAD_INPUT, fields={"code_id": "請指定認證碼"})
        with self.infra.db.transaction() as session:
            return issue_code(session, code_id.strip())


def registration_email_verified(session: Session, registration_id: str, email: str) -> None:
    """For the registration that creates its account: use up its verified first address
    (FailedPrecondition, field "email", when it was not verified)."""
    if not registration_id:
        raise FailedPrecondition("缺少註冊識別碼")
    EmailCodes.consume_verified_in(
        session, registration_subject(registration_id), CodePurpose.REGISTRATION, email
    )

"""Account binding (帳號綁定): bind the signed-in account to a case-progress account (or a
case-progress account to a portal account) once the other is proven by its password or
by the code mailed to its address; list; unbind. Each change is audited on both
accounts' names (jes_identity.domain.binding)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jes_db import utcnow
from jes_domain import InvalidArgument, NotFound, ResourceExhausted, Unauthenticated
from jes_identity.accounts_store import account_by_login_name, recent_failed_logins, record_login
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACTIVE, normalize_account_id
from jes_identity.domain.audit_actions import ACCOUNT_BOUND, ACCOUNT_UNBOUND
from jes_identity.domain.binding import (
    NOT_BINDABLE,
    NOT_BOUND,
    WRONG_PASSWORD,
    check_free,
    check_proof,
    pair,
)
from jes_identity.domain.codes import CodePurpose, Subject
from jes_identity.domain.limits import PASSWORD_CHANGE_LOCKED, is_locked_out
from jes_identity.domain.validation import BAD_INPUT
from jes_identity.messages import actor_of_account
from jes_identity.models import Account, AccountBinding, audit_log
from jes_identity.passwords import verify_password
from jes_identity.usecases.codes import CodeSent, EmailCodes
from jes_identity.usecases.common import Infrastructure


@dataclass(frozen=True)
class Binding:
    portal_account_id: str
    portal_display_name: str
    progress_account_id: str
    progress_display_name: str
    bound_at: datetime


def binding_of(row: AccountBinding) -> Binding:
    return Binding(
        portal_account_id=row.portal.account_id,
        portal_display_name=row.portal.display_name,
        progress_account_id=row.progress.account_id,
        progress_display_name=row.progress.display_name,
        bound_at=row.created_at,
    )


def masked(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}****@{domain}" if domain else "****"


class AccountBindings:
    def __init__(self, infra: Infrastructure, codes: EmailCodes):
        self.infra = infra
        self.codes = codes

    def _mine(self, session: Session, caller: Caller) -> Account:
        access.require_user(caller)
        account = session.get(Account, caller.subject)
        if account is None or account.status != ACTIVE:
            raise Unauthenticated("帳號已停用或不存在，請重新登入")
        return account

    @staticmethod
    def _other(session: Session, mine: Account, typed_account_id: str) -> Account:
        account_id = normalize_account_id(typed_account_id)
        if not account_id:
            raise InvalidArgument(BAD_INPUT, fields={"account_id": "請輸入要綁定的帳號"})
        other = account_by_login_name(session, account_id)
        if other is None or other.status != ACTIVE or not other.password_set:
            raise NotFound(NOT_BINDABLE, fields={"account_id": NOT_BINDABLE})
        pair(mine.id, mine.role_list, other.id, other.role_list)
        return other

    def send_code(self, caller: Caller, typed_account_id: str) -> CodeSent:
        """Mail a code to the other account's address (the reply names it masked)."""
        with self.infra.db.transaction() as session:
            mine = self._mine(session, caller)
            other = self._other(session, mine, typed_account_id)
            sent = self.codes.send_in(
                session,
                Subject(account_id=other.id),
                CodePurpose.ACCOUNT_BINDING,
                other.email.lower(),
                other,
            )
        return CodeSent(
            code_id=sent.code_id,
            email=masked(sent.email),
            expires_at=sent.expires_at,
            resend_after_seconds=sent.resend_after_seconds,
        )

    def bind(
        self,
        caller: Caller,
        typed_account_id: str,
        password: str,
        code: str,
        client_address: str = "",
    ) -> Binding:
        check_proof(password, code)
        problem = ""
        with self.infra.db.transaction() as session:
            mine = self._mine(session, caller)
            other = self._other(session, mine, typed_account_id)
            portal_id, progress_id = pair(mine.id, mine.role_list, other.id, other.role_list)
            check_free(
                bool(self._binding_of(session, portal_id)),
                bool(self._binding_of(session, progress_id)),
            )
            if password:
                # guessing the other account's password here counts as failed logins
                if is_locked_out(recent_failed_logins(session, other.account_id, other)):
                    raise ResourceExhausted(PASSWORD_CHANGE_LOCKED)
                ok = verify_password(other.password_hash, password)
                record_login(session, other.account_id, ok, client_address.strip()[:64])
                proof = "password"
                if not ok:
                    problem = WRONG_PASSWORD
            else:
                result = self.codes.try_in(
                    session,
                    Subject(account_id=other.id),
                    CodePurpose.ACCOUNT_BINDING,
                    other.email.lower(),
                    code,
                )
                proof = "email_code"
                if isinstance(result, str):
                    problem = result
                else:
                    result.consumed_at = utcnow()
            if not problem:
                row = AccountBinding(
                    portal_account_id=portal_id,
                    progress_account_id=progress_id,
                    created_at=utcnow(),
                    proof=proof,
                )
                session.add(row)
                session.flush()
                session.refresh(row)
                self._audit(session, mine, ACCOUNT_BOUND, row, proof)
                bound = binding_of(row)
        if problem:  # after the commit: the failed proof stays counted
            field = "password" if password else "code"
            raise InvalidArgument(BAD_INPUT, fields={field: problem})
        return bound

    @staticmethod
    def _binding_of(session: Session, account_id: str) -> AccountBinding | None:
        return session.scalar(
            select(AccountBinding).where(
                or_(
                    AccountBinding.portal_account_id == account_id,
                    AccountBinding.progress_account_id == account_id,
                )
            )
        )

    def list_mine(self, caller: Caller) -> list[Binding]:
        with self.infra.db.transaction() as session:
            mine = self._mine(session, caller)
            row = self._binding_of(session, mine.id)
            return [binding_of(row)] if row else []

    def unbind(self, caller: Caller, typed_account_id: str) -> None:
        other_id = normalize_account_id(typed_account_id)
        with self.infra.db.transaction() as session:
            mine = self._mine(session, caller)
            row = self._binding_of(session, mine.id)
            if row is None or other_id not in (row.portal.account_id, row.progress.account_id):
                raise NotFound(NOT_BOUND)
            self._audit(session, mine, ACCOUNT_UNBOUND, row, "")
            session.delete(row)

    @staticmethod
    def _audit(
        session: Session, actor: Account, action: str, row: AccountBinding, proof: str
    ) -> None:
        """On both accounts: each owner's history shows it."""
        details = {
            "portal_account_id": row.portal.account_id,
            "progress_account_id": row.progress.account_id,
            **({"proof": proof} if proof else {}),
        }
        for subject in (row.portal, row.progress):
            audit_log.record(
                session,
                actor_of_account(actor),
                action,
                subject_type="account",
                subject_id=subject.account_id,
                court_code=subject.court_code,
                after=details,
            )

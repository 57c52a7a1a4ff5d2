"""Accounts as their owners and other services see them: personal account maintenance
(個人帳號維護), a court's staff, and an account looked up by a service."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.identity.v1 import identity_pb2 as pb
from jes_config.sign_in import PASSWORD_AT_PROVIDER
from jes_domain import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
)
from jes_identity import login_store
from jes_identity.accounts_store import account_by_name_or_id, recent_password_change_failures
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import ACTIVE, validate_account_update
from jes_identity.domain.audit_actions import ACCOUNT_PASSWORD_CHANGED
from jes_identity.domain.limits import PASSWORD_CHANGE_LOCKED, is_locked_out
from jes_identity.domain.passwords import Policy
from jes_identity.domain.sessions import EndReason
from jes_identity.domain.validation import BAD_INPUT
from jes_identity.links import retire_links
from jes_identity.messages import account_message, actor_of_account, profile
from jes_identity.models import Account, audit_log
from jes_identity.passwords import hash_password, verify_password
from jes_identity.usecases.common import Infrastructure, audit_account_update
from jes_identity.usecases.email_change import EmailChange, account_with_pending
from jes_identity.usecases.sessions import end_sessions

WRONG_CURRENT_PASSWORD = "目前密碼不正確"  # noqa: S105 (a message)


class Accounts:
    def __init__(self, infra: Infrastructure, policy: Policy, email_change: EmailChange):
        self.infra = infra
        self.policy = policy
        self.email_change = email_change

    def _own_account(self, session: Session, caller: Caller) -> Account:
        access.require_user(caller)
        account = session.get(Account, caller.subject)
        if account is None or account.status != ACTIVE:
            raise Unauthenticated("帳號已停用或不存在，請重新登入")
        return account

    def my_account(self, caller: Caller) -> pb.Account:
        with self.infra.db.transaction() as session:
            return account_with_pending(session, self._own_account(session, caller))

    def update_my_account(
        self, caller: Caller, display_name: str, email: str, phone: str, contact_person: str
    ) -> pb.Account:
        """The caller's own contact details; audited when anything changed. Another
        e-mail address is not used yet: a code goes to it (journey 10). A single sign-on
        account's name is its directory's."""
        with self.infra.db.transaction() as session:
            account = self._own_account(session, caller)
            details = validate_account_update(
                display_name,
                email,
                phone,
                contact_person,
                directory_name=account.display_name if account.sign_in_provider else None,
            )
            self.email_change.request_in(session, account, details.email)
            before = profile(account)
            account.display_name = details.display_name
            account.phone = details.phone
            account.contact_person = details.contact_person
            audit_account_update(session, account, before)
            return account_with_pending(session, account)

    def change_password(self, caller: Caller, current_password: str, new_password: str) -> None:
        """A wrong current password is recorded with the login attempts (the owner sees
        it) and counts toward a short lock of password changes only. A single sign-on
        account has no password here."""
        problems: dict[str, str] = {}
        if problem := self.policy.change_problem(new_password, current_password):
            problems["new_password"] = problem
        with self.infra.db.transaction() as session:
            account = self._own_account(session, caller)
            if account.sign_in_provider:
                raise FailedPrecondition(PASSWORD_AT_PROVIDER)
            if is_locked_out(recent_password_change_failures(session, account)):
                raise ResourceExhausted(PASSWORD_CHANGE_LOCKED)
            if not verify_password(account.password_hash, current_password):
                login_store.record_attempt(
                    session, account.account_id, success=False, kind=login_store.PASSWORD_CHANGE
                )
                problems["current_password"] = WRONG_CURRENT_PASSWORD
            elif not problems:
                account.password_hash = hash_password(new_password)
                retire_links(session, account)
                # every other session (and so its tokens, at their next refresh) ends
                ended = end_sessions(
                    session,
                    account.id,
                    EndReason.PASSWORD_CHANGED,
                    keep_session_id=getattr(caller, "session_id", ""),
                )
                audit_log.record(
                    session,
                    actor_of_account(account),
                    ACCOUNT_PASSWORD_CHANGED,
                    subject_type="account",
                    subject_id=account.account_id,
                    court_code=account.court_code,
                    after={"password_changed": True, "sessions_ended": ended},
                )
        if problems:  # raised after the commit, so the failed attempt stays recorded
            raise InvalidArgument(BAD_INPUT, fields=problems)

    def court_staff(self, caller: Caller, court_code: str, role: str) -> list[pb.Account]:
        """The court's active accounts with `role` (clerks when empty)."""
        access.require_court_staff(caller, court_code)
        role = role or "clerk"
        with self.infra.db.transaction() as session:
            accounts = session.scalars(
                select(Account)
                .where(Account.court_code == court_code, Account.status == ACTIVE)
                .order_by(Account.account_id)
            ).all()
            return [account_message(a) for a in accounts if role in a.role_list]

    def account_for_service(self, caller: Caller, wanted: str) -> pb.Account:
        """Any account, by login name or id (services only)."""
        access.require_service(caller)
        with self.infra.db.transaction() as session:
            account = account_by_name_or_id(session, wanted.strip())
            if account is None:
                raise NotFound("查無此帳號")
            return account_message(account)

"""Case-progress accounts (案件進度查詢帳號, seed 002): opened for a litigant when a court
approves their first follow application (case-sync asks), activated through a one-time
link as firms' and professionals' accounts are; and who a reader is for case-sync (their
own account and the case-progress account bound to it, their prosecutor id)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes_db import utcnow
from jes_db.audit import Actor
from jes_domain import InvalidArgument, NotFound
from jes_identity.accounts_store import account_by_login_name
from jes_identity.domain import access
from jes_identity.domain.access import Caller
from jes_identity.domain.accounts import (
    ACTIVE,
    DISPLAY_NAME_MAX,
    PROGRESS_ROLE,
    progress_account_id,
)
from jes_identity.domain.links import ACTIVATION_LINK_TTL, LinkPurpose
from jes_identity.domain.validation import BAD_INPUT, email_problem
from jes_identity.links import create_link
from jes_identity.models import Account, AccountBinding, PasswordToken, ProgressAccountEmail
from jes_identity.usecases.common import Infrastructure, open_for_activation

ATTEMPTS = 3


@dataclass(frozen=True)
class OpenedProgressAccount:
    id: str
    account_id: str  # the login name
    opened: bool
    activation_link_id: str  # set while the account has no password


@dataclass(frozen=True)
class CaseReader:
    account_ids: tuple[str, ...]
    prosecutor_id: str


class ProgressAccounts:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def open(
        self, caller: Caller, email: str, display_name: str, reason: str
    ) -> OpenedProgressAccount:
        """The account of this e-mail, opened if there is none; idempotent. While it has
        no password, a live activation link (the one still open, or a new one)."""
        access.require_progress_account_opener(caller)
        email = email.strip().lower()
        display_name = display_name.strip() or email.split("@", 1)[0]
        problems = {}
        if problem := email_problem(email):
            problems["email"] = problem
        if len(display_name) > DISPLAY_NAME_MAX:
            problems["display_name"] = f"不可超過 {DISPLAY_NAME_MAX} 個字"
        if problems:
            raise InvalidArgument(BAD_INPUT, fields=problems)
        for attempt in range(ATTEMPTS):
            try:
                with self.infra.db.transaction() as session:
                    return self._open(session, email, display_name)
            except IntegrityError:
                # another approval for this e-mail opened it at the same moment
                if attempt == ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _open(self, session: Session, email: str, display_name: str) -> OpenedProgressAccount:
        known = session.get(ProgressAccountEmail, email)
        account = session.get(Account, known.account_id) if known is not None else None
        if account is None:
            account = self._existing_progress_account(session, email)
            if account is not None:  # opened before this table (e.g. a demo account)
                session.add(ProgressAccountEmail(email=email, account_id=account.id))
                session.flush()
        if account is None:
            account = Account(
                account_id=self._new_login_name(session),
                password_hash=None,
                display_name=display_name,
                email=email,
                phone="",
                contact_person="",
                roles=PROGRESS_ROLE,
                court_code="",
                status=ACTIVE,
                created_at=utcnow(),
            )
            link = open_for_activation(session, Actor.service("case-sync"), account)
            session.add(ProgressAccountEmail(email=email, account_id=account.id))
            session.flush()
            return OpenedProgressAccount(account.id, account.account_id, True, link.id)
        link_id = ""
        if not account.password_set:
            link_id = self._live_activation_link(session, account)
        return OpenedProgressAccount(account.id, account.account_id, False, link_id)

    @staticmethod
    def _existing_progress_account(session: Session, email: str) -> Account | None:
        rows = session.scalars(
            select(Account).where(func.lower(Account.email) == email).order_by(Account.created_at)
        ).all()
        return next((row for row in rows if PROGRESS_ROLE in row.role_list), None)

    @staticmethod
    def _new_login_name(session: Session) -> str:
        while True:
            name = progress_account_id(secrets.randbelow(10**10))
            if account_by_login_name(session, name) is None:
                return name

    @staticmethod
    def _live_activation_link(session: Session, account: Account) -> str:
        now = utcnow()
        link = session.scalar(
            select(PasswordToken)
            .where(
                PasswordToken.account_id == account.id,
                PasswordToken.purpose == str(LinkPurpose.ACTIVATION),
                PasswordToken.used_at.is_(None),
                PasswordToken.expires_at > now,
            )
            .order_by(PasswordToken.created_at.desc())
            .limit(1)
        )
        if link is None:
            link = create_link(session, account, LinkPurpose.ACTIVATION, ACTIVATION_LINK_TTL)
            session.flush()
        return link.id

    def reader(self, caller: Caller) -> CaseReader:
        """The person's own account, and the case-progress account bound to it (a portal
        account holds its follows after binding); their prosecutor id."""
        access.require_user(caller)
        with self.infra.db.transaction() as session:
            account = session.get(Account, caller.subject)
            if account is None or account.status != ACTIVE:
                raise NotFound("查無此帳號")
            bound = session.scalar(
                select(AccountBinding.progress_account_id).where(
                    AccountBinding.portal_account_id == account.id
                )
            )
            ids = (account.id, bound) if bound else (account.id,)
            return CaseReader(ids, account.prosecutor_id)

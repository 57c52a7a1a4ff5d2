"""The first administrator of an installation, made by an operator on the command line
(`jes create-admin`), not by demo data: the account gets no password, only a one-time
set-password link (its hash is stored, as for a firm's activation)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from jes_db import Database, utcnow
from jes_db.audit import Actor
from jes_domain import FailedPrecondition, InvalidArgument
from jes_identity.domain.accounts import ACCOUNT_ID_MAX, ACTIVE, normalize_account_id
from jes_identity.domain.audit_actions import ACCOUNT_CREATED
from jes_identity.domain.links import ACTIVATION_LINK_TTL, LinkPurpose
from jes_identity.domain.validation import BAD_INPUT, email_problem, normalize_email
from jes_identity.links import create_link, issue_token, retire_links
from jes_identity.messages import profile
from jes_identity.models import Account, audit_log

ADMIN_ROLE = "admin"
ACCOUNT_ID = re.compile(rf"^[A-Z0-9]{{1,{ACCOUNT_ID_MAX}}}$")
# who did it, in identity's audit log: an operator at the installation's command line
OPERATOR = Actor(account_id="operator:jes create-admin", role="operator")
NOT_AN_ADMIN = "此帳號已存在且不是系統管理者"


@dataclass(frozen=True)
class AdminLink:
    account_id: str
    token: str  # raw: printed once for the operator, never stored
    expires_at: datetime
    created: bool  # False: an existing administrator got a new link


def create_admin(db: Database, typed_account_id: str, typed_email: str, name: str) -> AdminLink:
    """A new administrator account with a one-time set-password link; for an existing
    administrator (a lost password) a new link, the older ones retired."""
    account_id = normalize_account_id(typed_account_id)
    email = normalize_email(typed_email)
    problems = {}
    if not ACCOUNT_ID.match(account_id):
        problems["account_id"] = f"帳號須為 1 至 {ACCOUNT_ID_MAX} 個英文大寫字母或數字"
    if problem := email_problem(email):
        problems["email"] = problem
    if problems:
        raise InvalidArgument(BAD_INPUT, fields=problems)
    with db.transaction() as session:
        account = session.scalar(select(Account).where(Account.account_id == account_id))
        created = account is None
        if account is None:
            account = Account(
                account_id=account_id,
                password_hash=None,
                display_name=name.strip() or "系統管理者",
                email=email,
                roles=ADMIN_ROLE,
                court_code="",
                status=ACTIVE,
                created_at=utcnow(),
            )
            session.add(account)
            session.flush()
            audit_log.record(
                session,
                OPERATOR,
                ACCOUNT_CREATED,
                subject_type="account",
                subject_id=account.account_id,
                court_code="",
                after=profile(account),
            )
        elif ADMIN_ROLE not in account.role_list:
            raise FailedPrecondition(NOT_AN_ADMIN)
        else:
            retire_links(session, account)
        link = create_link(session, account, LinkPurpose.ACTIVATION, ACTIVATION_LINK_TTL)
        session.flush()
        # The token goes to the operator's terminal only; its hash is what is kept.
        token, expires_at = issue_token(session, link.id)
        return AdminLink(account_id, token, expires_at, created)

"""Setting a password through a one-time link, forgot password and forgot account id.
The last two answer the same whether or not anything matched, and are rate-limited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from jes.identity.v1 import identity_pb2 as pb
from jes_db import utcnow
from jes_domain import FailedPrecondition, InvalidArgument
from jes_identity.accounts_store import active_account_ids_with_email
from jes_identity.domain.access import Caller, require_link_mailer
from jes_identity.domain.accounts import ACCOUNT_ID_MAX, ACTIVE, normalize_account_id
from jes_identity.domain.audit_actions import ACCOUNT_PASSWORD_SET
from jes_identity.domain.limits import (
    MAIL_REQUEST_WINDOW,
    MAIL_REQUESTS_PER_WINDOW,
    TOO_MANY_MAIL_REQUESTS,
    reminder_keys,
    reset_request_keys,
)
from jes_identity.domain.links import LINK_INVALID, RESET_LINK_TTL, LinkPurpose, check_link
from jes_identity.domain.passwords import Policy
from jes_identity.domain.sessions import EndReason
from jes_identity.domain.validation import BAD_INPUT, email_problem, normalize_email
from jes_identity.links import RateLimit, create_link, find_link, issue_token, retire_links
from jes_identity.messages import actor_of_account, profile
from jes_identity.models import Account, audit_log
from jes_identity.passwords import hash_password
from jes_identity.usecases.common import Infrastructure
from jes_identity.usecases.professionals import complete_activation
from jes_identity.usecases.sessions import end_sessions


class Recovery:
    def __init__(self, infra: Infrastructure, policy: Policy):
        self.infra = infra
        self.policy = policy
        self.mail_requests = RateLimit(
            MAIL_REQUESTS_PER_WINDOW, MAIL_REQUEST_WINDOW, TOO_MANY_MAIL_REQUESTS
        )

    def set_password(self, raw_token: str, new_password: str) -> str:
        """Set the password of the link's account (activation or reset); every other
        outstanding link of the account is retired. Returns the account id."""
        problem = self.policy.problem(new_password)
        with self.infra.db.transaction() as session:
            link = find_link(session, raw_token)
            account = session.get(Account, link.account_id) if link else None
            if link is None or account is None:
                raise FailedPrecondition(LINK_INVALID)
            check_link(
                used=link.used_at is not None,
                account_active=account.status == ACTIVE,
                expires_at=link.expires_at,
                now=utcnow(),
            )
            if problem:
                raise InvalidArgument(BAD_INPUT, fields={"new_password": problem})
            before = profile(account)
            account.password_hash = hash_password(new_password)
            account.failures_cleared_at = utcnow()
            retire_links(session, account)  # this link and any other outstanding one
            if link.purpose == LinkPurpose.ACTIVATION:
                complete_activation(session, account)
            # a reset is for someone who may not be the only one holding the password
            ended = end_sessions(session, account.id, EndReason.PASSWORD_SET)
            audit_log.record(
                session,
                actor_of_account(account),
                ACCOUNT_PASSWORD_SET,
                subject_type="account",
                subject_id=account.account_id,
                court_code=account.court_code,
                before=before,
                after={**profile(account), "link": link.purpose, "sessions_ended": ended},
            )
            return account.account_id

    def issue_link(self, caller: Caller, link_id: str) -> tuple[str, datetime]:
        """The raw token of a one-time link, for notification to put in the mail it is
        sending (see jes_identity.links.issue_token)."""
        require_link_mailer(caller)
        if not link_id.strip():
            raise InvalidArgument(BAD_INPUT, fields={"link_id": "請指定連結"})
        with self.infra.db.transaction() as session:
            return issue_token(session, link_id.strip())

    def request_reset(self, typed_account_id: str, typed_email: str) -> None:
        """Mail a reset link if the account id and the address belong together."""
        account_id = normalize_account_id(typed_account_id)
        email = normalize_email(typed_email)
        problems: dict[str, str] = {}
        if not account_id:
            problems["account_id"] = "請輸入帳號"
        elif len(account_id) > ACCOUNT_ID_MAX:
            problems["account_id"] = "帳號格式不正確"
        if problem := email_problem(email):
            problems["email"] = problem
        if problems:
            raise InvalidArgument(BAD_INPUT, fields=problems)
        with self.infra.db.transaction() as session:
            # counted whether or not the account exists: the reply must not tell
            self.mail_requests.hit(session, reset_request_keys(account_id, email))
            account = session.scalar(
                select(Account).where(Account.account_id == account_id, Account.status == ACTIVE)
            )
            if account is None or account.email.lower() != email:
                return
            if account.sign_in_provider:  # its password is the directory's: no link here
                return
            retire_links(session, account, LinkPurpose.RESET)
            link = create_link(session, account, LinkPurpose.RESET, RESET_LINK_TTL)
            event = pb.PasswordResetRequested(
                account_id=account.account_id,
                email=account.email,
                display_name=account.display_name,
                link_id=link.id,
            )
            event.expires_at.FromDatetime(link.expires_at)
            self.infra.publish(session, event, account.id)

    def remind_account_id(self, typed_email: str) -> None:
        """Mail the address every active account id registered with it (if any)."""
        email = normalize_email(typed_email)
        if problem := email_problem(email):
            raise InvalidArgument(BAD_INPUT, fields={"email": problem})
        with self.infra.db.transaction() as session:
            self.mail_requests.hit(session, reminder_keys(email))
            account_ids = active_account_ids_with_email(session, email)
            if account_ids:
                event = pb.AccountIdReminderRequested(email=email, account_ids=account_ids)
                self.infra.publish(session, event, email)

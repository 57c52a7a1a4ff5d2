"""What every use case works with: the database, the outbox and the request's trace id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from jes_db import Database
from jes_db.audit import Actor
from jes_events import Outbox
from jes_identity.domain.audit_actions import ACCOUNT_CREATED, ACCOUNT_UPDATED
from jes_identity.domain.links import ACTIVATION_LINK_TTL, LinkPurpose
from jes_identity.links import create_link
from jes_identity.messages import actor_of_account, profile
from jes_identity.models import Account, PasswordToken, audit_log


def no_trace_id() -> str:
    return ""


@dataclass(frozen=True)
class Infrastructure:
    db: Database
    outbox: Outbox
    # the id of the request being served, carried into events (set by the transport)
    trace_id: Callable[[], str] = no_trace_id

    def publish(self, session: Session, event: Message, subject: str) -> None:
        """Add `event` to the outbox in the caller's transaction."""
        self.outbox.add(session, event, subject=subject, trace_id=self.trace_id())


def open_for_activation(session: Session, actor: Actor, account: Account) -> PasswordToken:
    """Add an approved applicant's account (no usable password yet), record its creation
    and make the one-time activation link its first mail carries: firms and
    professionals alike."""
    session.add(account)
    session.flush()
    link = create_link(session, account, LinkPurpose.ACTIVATION, ACTIVATION_LINK_TTL)
    audit_log.record(
        session,
        actor,
        ACCOUNT_CREATED,
        subject_type="account",
        subject_id=account.account_id,
        court_code=account.court_code,
        after=profile(account),
    )
    session.flush()
    return link


def audit_account_update(session: Session, account: Account, before: dict[str, Any]) -> None:
    """Record the account's change (by its owner, or by its directory at a sign-in) with
    before and after; nothing when nothing changed."""
    after = profile(account)
    if after != before:
        audit_log.record(
            session,
            actor_of_account(account),
            ACCOUNT_UPDATED,
            subject_type="account",
            subject_id=account.account_id,
            court_code=account.court_code,
            before=before,
            after=after,
        )

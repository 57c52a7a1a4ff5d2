"""Use cases of one address's mail settings for one case, reached by the token in the
mails' links (no login): read them, unsubscribe (RFC 8058 one-click) or choose the daily
digest. Changing the mode moves the notices still waiting accordingly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jes_db import Database, utcnow
from jes_domain import InvalidArgument, NotFound
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import MailMode, NoticeStatus
from jes_notification.models import CaseMailSubscription, ProgressNotice


def _subscription(session: Session, token: str) -> CaseMailSubscription:
    problem = rules.settings_token_problem(token)
    if problem:
        raise InvalidArgument(problem, fields={"token": problem})
    subscription = session.scalar(
        select(CaseMailSubscription).where(CaseMailSubscription.token == token)
    )
    if subscription is None:
        problem = "連結無效或已失效，請使用最近一封通知信中的連結"
        raise NotFound(problem, fields={"token": problem})
    return subscription


def settings(db: Database, token: str) -> CaseMailSubscription:
    with db.transaction() as session:
        return _subscription(session, token)


def set_mode(
    db: Database, token: str, mode: MailMode, now: datetime | None = None
) -> CaseMailSubscription:
    """The address's new choice for the case; the same choice again changes nothing."""
    now = now or utcnow()
    with db.transaction() as session:
        subscription = _subscription(session, token)
        if subscription.mode == mode.value:
            return subscription
        subscription.mode = mode.value
        subscription.changed_at = now
        waiting = update(ProgressNotice).where(
            ProgressNotice.subscription_id == subscription.id,
            ProgressNotice.status == NoticeStatus.PENDING.value,
        )
        if mode is MailMode.UNSUBSCRIBED:
            session.execute(waiting.values(status=NoticeStatus.DROPPED.value))
        else:
            session.execute(waiting.values(due_at=rules.due_at(mode, now)))
        return subscription

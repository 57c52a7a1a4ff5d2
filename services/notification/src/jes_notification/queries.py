"""The delivery log, for operators and tests; what became of an entry's mails and of a
case's mails, for court systems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Subquery, case, func, select

from jes_db import Database
from jes_notification.domain.case_notices import NoticeStatus
from jes_notification.domain.deliveries import listed_count, recipient_filter
from jes_notification.models import CaseMailSubscription, Delivery, ProgressNotice


class DeliveryQueries:
    def __init__(self, db: Database):
        self.db = db

    def latest(self, recipient: str, limit: int) -> list[Delivery]:
        """The newest deliveries first, to one recipient ("" = anyone)."""
        query = select(Delivery).order_by(Delivery.created_at.desc())
        if recipient:
            query = query.where(Delivery.recipient == recipient_filter(recipient))
        with self.db.transaction() as session:
            return list(session.scalars(query.limit(listed_count(limit))).all())


@dataclass(frozen=True)
class EntryDeliveryRow:
    """What became of the mail about one entry to one follower."""

    recipient: str
    follow_id: str
    notice_status: str
    mode: str
    delivery_id: str
    delivery_status: str
    attempts: int
    sent_at: datetime | None


class EntryDeliveryQueries:
    def __init__(self, db: Database):
        self.db = db

    def of_entry(self, court_code: str, source_entry_id: str) -> tuple[str, list[EntryDeliveryRow]]:
        """The case and, per follower, the notice of one court's entry and its mail."""
        query = (
            select(ProgressNotice, CaseMailSubscription, Delivery)
            .join(CaseMailSubscription, CaseMailSubscription.id == ProgressNotice.subscription_id)
            .outerjoin(Delivery, Delivery.id == ProgressNotice.delivery_id)
            .where(
                ProgressNotice.court_code == court_code,
                ProgressNotice.source_entry_id == source_entry_id,
            )
            .order_by(CaseMailSubscription.recipient)
        )
        with self.db.transaction() as session:
            rows = session.execute(query).all()
            case_id = rows[0][1].case_id if rows else ""
            return case_id, [
                EntryDeliveryRow(
                    recipient=subscription.recipient,
                    follow_id=subscription.follow_id,
                    notice_status=notice.status,
                    mode=subscription.mode,
                    delivery_id=delivery.id if delivery else "",
                    delivery_status=delivery.status if delivery else "",
                    attempts=delivery.attempts if delivery else 0,
                    sent_at=delivery.sent_at if delivery else None,
                )
                for notice, subscription, delivery in rows
            ]


@dataclass(frozen=True)
class CaseMailRow:
    """One progress mail to one follower, or the follower's entries still waiting for one
    (delivery_id "", notice_status pending) or never to be mailed (dropped)."""

    delivery_id: str
    notice_status: str
    delivery_status: str
    attempts: int
    sent_at: datetime | None
    source_entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class FollowerMailsRow:
    recipient: str
    follow_id: str
    mode: str
    mails: list[CaseMailRow]


class CaseDeliveryQueries:
    def __init__(self, db: Database):
        self.db = db

    def of_case(
        self, court_code: str, category: str, case_number: str, per_follower: int
    ) -> tuple[str, list[FollowerMailsRow]]:
        """The case (by the court's key) and, per follower, its progress mails newest
        first (at most `per_follower`)."""
        with self.db.transaction() as session:
            subscriptions = list(
                session.scalars(
                    select(CaseMailSubscription)
                    .where(
                        CaseMailSubscription.court_code == court_code,
                        CaseMailSubscription.case_number == case_number,
                        CaseMailSubscription.category == category,
                    )
                    .order_by(CaseMailSubscription.recipient)
                ).all()
            )
            if not subscriptions:
                return "", []
            kept = _newest_mails([s.id for s in subscriptions], per_follower)
            rows = session.execute(
                select(ProgressNotice, Delivery)
                .join(kept, kept.c.notice_id == ProgressNotice.id)
                .outerjoin(Delivery, Delivery.id == ProgressNotice.delivery_id)
                .order_by(*NOTICE_ORDER)
            ).all()
            grouped: dict[str, dict[tuple[str, str], list[tuple[ProgressNotice, Any]]]] = {
                s.id: {} for s in subscriptions
            }
            for notice, delivery in rows:
                key = (delivery.id, "") if delivery is not None else ("", notice.status)
                grouped[notice.subscription_id].setdefault(key, []).append((notice, delivery))
            followers = []
            for subscription in subscriptions:
                mails = [
                    _case_mail(key, members) for key, members in grouped[subscription.id].items()
                ]
                # newest first: by the first entry each carried (dict order is oldest first)
                mails.reverse()
                mails.sort(key=lambda mail: mail.notice_status != "pending")  # waiting on top
                followers.append(
                    FollowerMailsRow(
                        recipient=subscription.recipient,
                        follow_id=subscription.follow_id,
                        mode=subscription.mode,
                        mails=mails,  # _newest_mails kept `per_follower`
                    )
                )
            return subscriptions[0].case_id, followers


# a subscription's notices in the order they came (the id only breaks ties)
NOTICE_ORDER = (ProgressNotice.created_at, ProgressNotice.source_entry_id, ProgressNotice.id)


def _newest_mails(subscription_ids: list[str], per_follower: int) -> Subquery:
    """The ids (`notice_id`) of the notices in each subscription's `per_follower` newest
    mails, ranked in the query (window functions, on SQLite and PostgreSQL alike) rather
    than every notice of every follower loaded to keep a few.

    A "mail" is a delivery's notices, or the subscription's notices with no delivery of
    one status (those waiting, those dropped); mails in waiting (whose last notice is
    pending) come first, then the newest by their first notice, as `of_case` lists them."""
    numbered = (
        select(
            ProgressNotice.id.label("notice_id"),
            ProgressNotice.subscription_id,
            ProgressNotice.status,
            Delivery.id.label("mail"),
            case((Delivery.id.is_(None), ProgressNotice.status), else_="").label("unmailed"),
            func.row_number()
            .over(partition_by=ProgressNotice.subscription_id, order_by=NOTICE_ORDER)
            .label("seq"),
        )
        .outerjoin(Delivery, Delivery.id == ProgressNotice.delivery_id)
        .where(ProgressNotice.subscription_id.in_(subscription_ids))
        .subquery("numbered")
    )
    # one mail's notices (NULLs partition together, as they group)
    mail = (numbered.c.subscription_id, numbered.c.mail, numbered.c.unmailed)
    grouped = select(
        numbered.c.notice_id,
        numbered.c.subscription_id,
        func.min(numbered.c.seq).over(partition_by=mail).label("first_seq"),
        func.first_value(numbered.c.status)
        .over(partition_by=mail, order_by=numbered.c.seq.desc())
        .label("last_status"),
    ).subquery("grouped")
    waiting_first = case((grouped.c.last_status == NoticeStatus.PENDING.value, 0), else_=1)
    ranked = select(
        grouped.c.notice_id,
        func.dense_rank()
        .over(
            partition_by=grouped.c.subscription_id,
            order_by=(waiting_first, grouped.c.first_seq.desc()),
        )
        .label("mail_rank"),
    ).subquery("ranked")
    return select(ranked.c.notice_id).where(ranked.c.mail_rank <= per_follower).subquery("kept")


def _case_mail(key: tuple[str, str], members: list[tuple[ProgressNotice, Any]]) -> CaseMailRow:
    delivery = members[0][1]
    entry_ids = tuple(dict.fromkeys(notice.source_entry_id for notice, _ in members))
    return CaseMailRow(
        delivery_id=key[0],
        notice_status=members[-1][0].status,
        delivery_status=delivery.status if delivery is not None else "",
        attempts=delivery.attempts if delivery is not None else 0,
        sent_at=delivery.sent_at if delivery is not None else None,
        source_entry_ids=entry_ids,
    )

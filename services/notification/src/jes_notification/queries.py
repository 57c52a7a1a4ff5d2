"""The delivery log, for operators and tests; what became of an entry's mails, for
court systems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from jes_db import Database
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

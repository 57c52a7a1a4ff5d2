"""The delivery log, for operators and tests."""

from __future__ import annotations

from sqlalchemy import select

from jes_db import Database
from jes_notification.domain.deliveries import listed_count, recipient_filter
from jes_notification.models import Delivery


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

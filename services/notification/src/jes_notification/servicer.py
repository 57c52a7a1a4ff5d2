"""NotificationService: the delivery log, for operators and tests."""

from __future__ import annotations

from sqlalchemy import select

from jes.notification.v1 import notification_pb2 as pb
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_db import Database
from jes_grpckit import current_claims
from jes_notification.models import Delivery


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(self, db: Database):
        self.db = db

    def ListDeliveries(self, request: pb.ListDeliveriesRequest, context: object) -> object:
        current_claims().require_role("admin")
        query = select(Delivery).order_by(Delivery.created_at.desc())
        if request.recipient:
            query = query.where(Delivery.recipient == request.recipient.strip().lower())
        with self.db.transaction() as session:
            rows = session.scalars(query.limit(min(request.limit or 50, 500))).all()
        reply = pb.ListDeliveriesResponse()
        for row in rows:
            delivery = reply.deliveries.add(
                id=row.id,
                event_id=row.event_id,
                template=row.template,
                recipient=row.recipient,
                subject=row.subject,
                status=row.status,
                attempts=row.attempts,
            )
            if row.sent_at:
                delivery.sent_at.FromDatetime(row.sent_at)
        return reply

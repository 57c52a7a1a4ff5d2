"""NotificationService over gRPC: the delivery log, for operators and tests."""

from __future__ import annotations

import grpc

from jes.notification.v1 import notification_pb2 as pb
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_grpckit import current_claims
from jes_notification.domain import access
from jes_notification.queries import DeliveryQueries


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(self, queries: DeliveryQueries):
        self.queries = queries

    def ListDeliveries(
        self, request: pb.ListDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListDeliveriesResponse:
        access.require_operator(current_claims())
        reply = pb.ListDeliveriesResponse()
        for row in self.queries.latest(request.recipient, request.limit):
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

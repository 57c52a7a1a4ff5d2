"""NotificationService over gRPC: the delivery log, for operators and tests; what became
of an entry's mails and of a case's mails, for court systems; one address's mail
settings for a case, by the token in the mails' links."""

from __future__ import annotations

import grpc

from jes.case_sync.v1 import cases_pb2
from jes.notification.v1 import notification_pb2 as pb
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_db import Database
from jes_domain import InvalidArgument
from jes_grpckit import current_claims
from jes_notification import mail_settings
from jes_notification.domain import access, case_notices
from jes_notification.domain.case_notices import EntryDeliveryStatus, MailMode
from jes_notification.domain.mails import masked_email
from jes_notification.models import CaseMailSubscription
from jes_notification.queries import CaseDeliveryQueries, DeliveryQueries, EntryDeliveryQueries
from jes_protos import enum_label

MODES = {
    MailMode.IMMEDIATE: pb.CASE_MAIL_MODE_IMMEDIATE,
    MailMode.DAILY_DIGEST: pb.CASE_MAIL_MODE_DAILY_DIGEST,
    MailMode.UNSUBSCRIBED: pb.CASE_MAIL_MODE_UNSUBSCRIBED,
}
MODE_OF = {value: mode for mode, value in MODES.items()}
ENTRY_STATUSES = {
    EntryDeliveryStatus.PENDING: pb.ENTRY_DELIVERY_STATUS_PENDING,
    EntryDeliveryStatus.QUEUED: pb.ENTRY_DELIVERY_STATUS_QUEUED,
    EntryDeliveryStatus.SENT: pb.ENTRY_DELIVERY_STATUS_SENT,
    EntryDeliveryStatus.FAILED: pb.ENTRY_DELIVERY_STATUS_FAILED,
    EntryDeliveryStatus.NOT_SENT: pb.ENTRY_DELIVERY_STATUS_NOT_SENT,
}


def settings_message(subscription: CaseMailSubscription) -> pb.CaseMailSettings:
    return pb.CaseMailSettings(
        case_id=subscription.case_id,
        court_code=subscription.court_code,
        category=subscription.category,
        case_number=subscription.case_number,
        recipient=masked_email(subscription.recipient),
        mode=MODES[MailMode(subscription.mode)],
    )


class NotificationServicer(pb_grpc.NotificationServiceServicer):
    def __init__(self, db: Database):
        self.db = db
        self.queries = DeliveryQueries(db)
        self.entry_queries = EntryDeliveryQueries(db)
        self.case_queries = CaseDeliveryQueries(db)

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

    def ListEntryDeliveries(
        self, request: pb.ListEntryDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListEntryDeliveriesResponse:
        # The caller check (jes_grpckit) already holds a court system to its own court.
        problem = case_notices.entry_id_problem(request.source_entry_id)
        if problem:
            raise InvalidArgument(problem, fields={"source_entry_id": problem})
        case_id, rows = self.entry_queries.of_entry(request.court_code, request.source_entry_id)
        reply = pb.ListEntryDeliveriesResponse(case_id=case_id)
        for row in rows:
            status = case_notices.entry_delivery_status(row.notice_status, row.delivery_status)
            delivery = reply.deliveries.add(
                recipient=row.recipient,
                follow_id=row.follow_id,
                status=ENTRY_STATUSES[status],
                mode=MODES[MailMode(row.mode)],
                message_id=f"<{row.delivery_id}@jes>" if row.delivery_id else "",
                attempts=row.attempts,
            )
            if row.sent_at:
                delivery.sent_at.FromDatetime(row.sent_at)
        return reply

    def ListCaseDeliveries(
        self, request: pb.ListCaseDeliveriesRequest, context: grpc.ServicerContext
    ) -> pb.ListCaseDeliveriesResponse:
        # The caller check (jes_grpckit) already holds a court system to its own court.
        case = request.case
        category = (
            enum_label(cases_pb2.CaseCategory, case.category)
            if case.category in cases_pb2.CaseCategory.values()
            else ""
        )
        case_number = case_notices.requested_case_number(
            category, case.year, case.word, case.number
        )
        per_follower = case_notices.mails_per_follower(request.mails_per_follower)
        case_id, followers = self.case_queries.of_case(
            case.court_code, category, case_number, per_follower
        )
        reply = pb.ListCaseDeliveriesResponse(case_id=case_id)
        for row in followers:
            follower = reply.followers.add(
                recipient=row.recipient, follow_id=row.follow_id, mode=MODES[MailMode(row.mode)]
            )
            for mail in row.mails:
                status = case_notices.entry_delivery_status(
                    mail.notice_status, mail.delivery_status
                )
                sent = follower.mails.add(
                    message_id=f"<{mail.delivery_id}@jes>" if mail.delivery_id else "",
                    status=ENTRY_STATUSES[status],
                    source_entry_ids=list(mail.source_entry_ids),
                    attempts=mail.attempts,
                )
                if mail.sent_at:
                    sent.sent_at.FromDatetime(mail.sent_at)
        return reply

    def GetCaseMailSettings(
        self, request: pb.GetCaseMailSettingsRequest, context: grpc.ServicerContext
    ) -> pb.CaseMailSettings:
        return settings_message(mail_settings.settings(self.db, request.token))

    def SetCaseMailMode(
        self, request: pb.SetCaseMailModeRequest, context: grpc.ServicerContext
    ) -> pb.CaseMailSettings:
        chosen = MODE_OF.get(request.mode)
        mode = case_notices.chosen_mode(chosen.value if chosen else "")
        return settings_message(mail_settings.set_mode(self.db, request.token, mode))

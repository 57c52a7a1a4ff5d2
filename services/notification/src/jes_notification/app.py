"""Builds the notification service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.identity.v1 import identity_pb2_grpc
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_notification.grpc_api import NotificationServicer
from jes_notification.handlers import Handlers
from jes_notification.mail import MailSender, open_transport
from jes_notification.models import event_tables, metadata
from jes_notification.queries import DeliveryQueries
from jes_servicekit import ServiceKit, topic_of

NAME = "notification"
MIGRATIONS = Path(__file__).parent / "migrations"


def build(config: ServiceConfig, **kit_options: Any) -> ServiceKit:
    platform = config.platform
    kit = ServiceKit(
        config,
        metadata=metadata,
        event_tables=event_tables,
        migrations=MIGRATIONS,
        **kit_options,
    )
    kit.grpc.add(
        pb_grpc.add_NotificationServiceServicer_to_server,
        NotificationServicer(DeliveryQueries(kit.db)),
        "jes.notification.v1.NotificationService",
    )
    handlers = Handlers(
        # Event-driven, no person involved: notification calls identity as itself.
        platform.public_url,
        kit.client("identity", identity_pb2_grpc.IdentityServiceStub, timeout=10),
    )
    kit.consume(
        [topic_of("identity"), topic_of("review-workflow"), topic_of("case-sync")],
        handlers.mapping(),
    )
    kit.add_component(MailSender(kit.db, open_transport(platform.mail_url), platform.mail_from))
    return kit

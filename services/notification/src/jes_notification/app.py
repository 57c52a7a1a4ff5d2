"""Builds the notification service from its configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jes.identity.v1 import identity_pb2_grpc
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_config import ServiceConfig
from jes_notification.composer import NoticeComposer
from jes_notification.domain.mails import Links
from jes_notification.grpc_api import NotificationServicer
from jes_notification.handlers import Handlers, link_issuer
from jes_notification.mail import MailSender, open_transport
from jes_notification.models import event_tables, metadata
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
        NotificationServicer(kit.db),
        "jes.notification.v1.NotificationService",
    )
    # Event-driven, no person involved: notification calls identity as itself.
    identity = kit.client("identity", identity_pb2_grpc.IdentityServiceStub, timeout=10)
    sender = MailSender(
        kit.db,
        open_transport(platform.mail_url, platform.mail),
        platform.mail_from,
        issue_link=link_issuer(identity),
        connections=platform.mail_connections,
    )
    composer = NoticeComposer(kit.db, Links(platform.public_url), on_composed=sender.notify)
    handlers = Handlers(
        platform.public_url, identity, on_queued=sender.notify, on_noticed=composer.notify
    )
    kit.consume(
        [topic_of("identity"), topic_of("review-workflow"), topic_of("case-sync")],
        handlers.mapping(),
        batch_handlers=handlers.batch_mapping(),
    )
    kit.add_component(sender)
    kit.add_component(composer)
    return kit

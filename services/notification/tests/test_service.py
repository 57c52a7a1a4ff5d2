"""The built service: events from the bus end up as mail in the mailbox; ListDeliveries."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import grpc
import pytest

from jes.identity.v1 import identity_pb2
from jes.notification.v1 import notification_pb2 as pb
from jes_db import utcnow
from jes_notification.models import Delivery
from jes_protos import make_envelope
from jes_servicekit import topic_of


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def consume(service) -> None:
    while service.consumer.run_once(timeout=0.2):
        pass


def test_firm_application_event_from_the_bus_is_mailed_once(service):
    application = identity_pb2.FirmApplication(
        id="app-1",
        court_code="TPD",
        company_name="大華估價",
        contact_person="王大明",
        email="wang@example.com",
    )
    application.created_at.GetCurrentTime()
    envelope = make_envelope(
        identity_pb2.FirmAccountApplied(application=application),
        source="identity",
        subject="app-1",
    )
    topic = topic_of("identity")
    service.kit.bus.publish(topic, "app-1", envelope.SerializeToString())
    service.kit.bus.publish(topic, "app-1", envelope.SerializeToString())  # redelivered
    consume(service)
    assert service.sender.run_once() == 1
    [eml] = list(service.mailbox.glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "wang@example.com"
    assert message["Subject"] == "【司法院】鑑估價公司帳號申請已受理"
    body = message.get_content()
    assert "申請編號：app-1" in body
    assert "大華估價" not in body and "王大明" not in body  # nothing the applicant typed


# -- ListDeliveries -------------------------------------------------------------------------


def listed(client, **request) -> list[str]:
    reply = client.call("ListDeliveries", pb.ListDeliveriesRequest(**request))
    return [d.id for d in reply.deliveries]


def test_deliveries_are_listed_newest_first_with_their_state(service, sender):
    now = utcnow()
    service.queue_raw(id="old", created_at=now - timedelta(hours=2))
    service.queue_raw(id="new", created_at=now)
    service.queue_raw(id="mid", created_at=now - timedelta(hours=1))
    sender.run_once()
    reply = service.admin().call("ListDeliveries", pb.ListDeliveriesRequest())
    assert [d.id for d in reply.deliveries] == ["new", "mid", "old"]
    first = reply.deliveries[0]
    assert (first.status, first.attempts, first.recipient) == ("sent", 1, "wang@example.com")
    assert first.template == "firm_application_received"
    assert first.sent_at.seconds > 0


def test_unsent_deliveries_have_no_sent_time(service):
    service.queue_raw(id="d-1")
    [delivery] = service.admin().call("ListDeliveries", pb.ListDeliveriesRequest()).deliveries
    assert delivery.status == "queued"
    assert not delivery.HasField("sent_at")


def test_recipient_filter_ignores_case_and_spaces(service):
    service.queue_raw(id="a", recipient="wang@example.com")
    service.queue_raw(id="b", recipient="chen@example.com")
    assert listed(service.admin(), recipient="  WANG@Example.com ") == ["a"]


def test_limit_defaults_to_50_and_is_capped_at_500(service):
    now = utcnow()
    with service.kit.db.transaction() as session:
        session.add_all(
            Delivery(
                id=f"d-{n:03d}",
                event_id=f"e-{n}",
                template="progress_entry_added",
                recipient="wang@example.com",
                subject="s",
                body="b",
                created_at=now - timedelta(seconds=n),
            )
            for n in range(501)
        )
    assert len(listed(service.admin())) == 50
    assert listed(service.admin(), limit=2) == ["d-000", "d-001"]
    assert len(listed(service.admin(), limit=10_000)) == 500


def test_only_admins_list_deliveries(service):
    """The delivery log holds everyone's addresses: admins only; no module on its own."""
    service.queue_raw(id="d-1")
    clerk = service.client(service.issuer.issue("c", roles=["clerk"], court_code="TPD"))
    assert rpc_error(listed, clerk).code() == grpc.StatusCode.PERMISSION_DENIED
    assert rpc_error(listed, service.client(None)).code() == grpc.StatusCode.UNAUTHENTICATED
    for module in ("identity", "review-workflow", "case-sync"):
        alone = service.client(None, caller=module)
        assert rpc_error(listed, alone).code() == grpc.StatusCode.PERMISSION_DENIED
    assert listed(service.admin()) == ["d-1"]

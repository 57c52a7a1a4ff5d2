"""The server bootstrap with a small servicer: auth, error details, metrics, health."""

from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from jes.notification.v1 import notification_pb2 as pb
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_grpckit import (
    Client,
    GrpcServer,
    InvalidArgument,
    current_claims,
    field_violations,
    request_id_var,
)
from support.processes import free_port


class Deliveries(pb_grpc.NotificationServiceServicer):
    def ListDeliveries(self, request, context):
        claims = current_claims()
        claims.require_role("admin")
        if request.limit < 0:
            raise InvalidArgument("筆數不可為負數", fields={"limit": "必須大於或等於 0"})
        if request.recipient == "boom":
            raise RuntimeError("bug")
        return pb.ListDeliveriesResponse(
            deliveries=[pb.Delivery(id=request_id_var.get(), recipient=claims.subject)]
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    keys = KeyStore(Path(tmp_path_factory.mktemp("keys")))
    server = GrpcServer("test", port=0, verifier=TokenVerifier(keys.jwks))
    server.add(
        pb_grpc.add_NotificationServiceServicer_to_server,
        Deliveries(),
        "jes.notification.v1.NotificationService",
    )
    server.start()
    yield f"127.0.0.1:{server.port}", TokenIssuer(keys)
    server.stop(0)


def test_authorized_call_sees_claims_and_request_id(served):
    addr, issuer = served
    client = Client(
        addr, pb_grpc.NotificationServiceStub, token=issuer.issue("ops", roles=["admin"])
    )
    request_id_var.set("req-123")
    reply = client.call("ListDeliveries", pb.ListDeliveriesRequest())
    assert reply.deliveries[0].recipient == "ops"
    assert reply.deliveries[0].id == "req-123"


def test_missing_token_is_unauthenticated(served):
    addr, _ = served
    with pytest.raises(grpc.RpcError) as caught:
        Client(addr, pb_grpc.NotificationServiceStub).call(
            "ListDeliveries", pb.ListDeliveriesRequest()
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.details() == "請先登入"


def test_wrong_role_is_permission_denied(served):
    addr, issuer = served
    client = Client(addr, pb_grpc.NotificationServiceStub, token=issuer.issue("f", roles=["firm"]))
    with pytest.raises(grpc.RpcError) as caught:
        client.call("ListDeliveries", pb.ListDeliveriesRequest())
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_invalid_argument_carries_field_violations(served):
    addr, issuer = served
    client = Client(addr, pb_grpc.NotificationServiceStub, token=issuer.issue("o", roles=["admin"]))
    with pytest.raises(grpc.RpcError) as caught:
        client.call("ListDeliveries", pb.ListDeliveriesRequest(limit=-1))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "筆數不可為負數"
    assert field_violations(caught.value) == {"limit": "必須大於或等於 0"}
    count = REGISTRY.get_sample_value(
        "jes_grpc_server_requests_total",
        {"service": "test", "method": "ListDeliveries", "code": "INVALID_ARGUMENT"},
    )
    assert count == 1


def test_unexpected_error_is_internal_without_leaking(served):
    addr, issuer = served
    client = Client(addr, pb_grpc.NotificationServiceStub, token=issuer.issue("o", roles=["admin"]))
    with pytest.raises(grpc.RpcError) as caught:
        client.call("ListDeliveries", pb.ListDeliveriesRequest(recipient="boom"))
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "bug" not in caught.value.details()


def test_health_is_public_and_serving(served):
    addr, _ = served
    stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(addr))
    reply = stub.Check(
        health_pb2.HealthCheckRequest(service="jes.notification.v1.NotificationService"), timeout=5
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_failed_call_to_another_service_is_unavailable_without_its_text():
    class Relaying(pb_grpc.NotificationServiceServicer):
        def ListDeliveries(self, request, context):
            # calls a port where nothing listens
            Client(f"127.0.0.1:{free_port()}", pb_grpc.NotificationServiceStub, timeout=1).call(
                "ListDeliveries", pb.ListDeliveriesRequest()
            )

    server = GrpcServer(
        "relay",
        port=0,
        verifier=None,
        public_methods=["/jes.notification.v1.NotificationService/ListDeliveries"],
    )
    server.add(
        pb_grpc.add_NotificationServiceServicer_to_server,
        Relaying(),
        "jes.notification.v1.NotificationService",
    )
    server.start()
    try:
        with pytest.raises(grpc.RpcError) as caught:
            Client(f"127.0.0.1:{server.port}", pb_grpc.NotificationServiceStub).call(
                "ListDeliveries", pb.ListDeliveriesRequest()
            )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert caught.value.details() == "相關服務暫時無法使用，請稍後再試"
    finally:
        server.stop(0)


def _list_services(addr: str, metadata: tuple = ()) -> list[str]:
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    stub = reflection_pb2_grpc.ServerReflectionStub(grpc.insecure_channel(addr))
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
        metadata=metadata,
        timeout=5,
    )
    return [s.name for reply in replies for s in reply.list_services_response.service]


def test_reflection_needs_a_token(served):
    """Reflection lists every RPC a server has: a map for an attacker, not a public page."""
    addr, issuer = served
    with pytest.raises(grpc.RpcError) as caught:
        _list_services(addr)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    token = issuer.issue("ops", roles=["admin"])
    names = _list_services(addr, (("authorization", f"Bearer {token}"),))
    assert "jes.notification.v1.NotificationService" in names

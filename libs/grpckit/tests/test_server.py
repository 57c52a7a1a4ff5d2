"""The server bootstrap with a small servicer: mutual TLS, the declared callers, error
details, metrics, health."""

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
    current_caller,
    current_claims,
    field_violations,
    refusal_reason,
    request_id_var,
)
from jes_grpckit.policy import MissingDeclaration
from support import callers
from support.processes import free_port


class Deliveries(pb_grpc.NotificationServiceServicer):
    def ListDeliveries(self, request, context):
        Deliveries.seen = current_caller()
        claims = current_claims()
        claims.require_role("admin")
        if request.limit < 0:
            raise InvalidArgument("筆數不可為負數", fields={"limit": "必須大於或等於 0"})
        if request.recipient == "boom":
            raise RuntimeError("bug")
        return pb.ListDeliveriesResponse(
            deliveries=[pb.Delivery(id=request_id_var.get(), recipient=claims.subject)]
        )


PKI: Path
NEVER_CONNECTED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """NotificationService (its contract: admins through the gateway) behind the server
    bootstrap, with notification's certificate and a plaintext health port."""
    global PKI
    PKI = Path(tmp_path_factory.mktemp("pki"))
    keys = KeyStore(Path(tmp_path_factory.mktemp("keys")))
    server = GrpcServer(
        "test",
        port=0,
        verifier=TokenVerifier(keys.jwks),
        tls=callers.identity(PKI, "notification"),
        health_port=free_port(),
    )
    server.add(
        pb_grpc.add_NotificationServiceServicer_to_server,
        Deliveries(),
        "jes.notification.v1.NotificationService",
    )
    server.start()
    served_server = (f"127.0.0.1:{server.port}", TokenIssuer(keys))
    Deliveries.server = server
    yield served_server
    server.stop(0)


def client(addr: str, token: str | None = None, caller: str = "gateway", **options) -> Client:
    return callers.client(
        PKI, addr, pb_grpc.NotificationServiceStub, caller=caller, token=token, **options
    )


def test_authorized_call_sees_the_caller_and_request_id(served):
    addr, issuer = served
    request_id_var.set("req-123")
    reply = client(addr, issuer.issue("ops", roles=["admin"])).call(
        "ListDeliveries", pb.ListDeliveriesRequest()
    )
    assert reply.deliveries[0].recipient == "ops"
    assert reply.deliveries[0].id == "req-123"
    caller = Deliveries.seen
    assert (caller.peer.kind, caller.peer.name, caller.user.subject) == (
        "service",
        "gateway",
        "ops",
    )


def test_missing_token_is_unauthenticated(served):
    addr, _ = served
    with pytest.raises(grpc.RpcError) as caught:
        client(addr).call("ListDeliveries", pb.ListDeliveriesRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.details() == "請先登入"
    assert refusal_reason(caught.value) == "LOGIN_REQUIRED"


def test_wrong_role_is_permission_denied(served):
    addr, issuer = served
    with pytest.raises(grpc.RpcError) as caught:
        client(addr, issuer.issue("f", roles=["firm"])).call(
            "ListDeliveries", pb.ListDeliveriesRequest()
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert refusal_reason(caught.value) == "CALLER_NOT_ALLOWED"


@pytest.mark.parametrize("module", ["review-workflow", "identity", "notification"])
def test_an_admins_token_from_a_module_the_contract_does_not_name_is_refused(served, module):
    """A user's token counts only when forwarded by a module the RPC lets forward it."""
    addr, issuer = served
    with pytest.raises(grpc.RpcError) as caught:
        client(addr, issuer.issue("ops", roles=["admin"]), caller=module).call(
            "ListDeliveries", pb.ListDeliveriesRequest()
        )
    assert refusal_reason(caught.value) == "CALLER_NOT_ALLOWED"


def test_a_module_token_is_not_a_user_token(served):
    """Tokens are for people only: a token that says "service" is refused outright."""
    import jwt

    addr, issuer = served
    forged = jwt.decode(issuer.issue("gateway"), options={"verify_signature": False})
    key = issuer.keys.current
    forged["kind"] = "service"
    token = jwt.encode(forged, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(grpc.RpcError) as caught:
        client(addr, token).call("ListDeliveries", pb.ListDeliveriesRequest())
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert refusal_reason(caught.value) == "TOKEN_INVALID"


def test_no_client_certificate_no_call(served):
    addr, issuer = served
    ca = (PKI / "ca" / "ca.crt").read_bytes()
    channel = grpc.secure_channel(
        addr,
        grpc.ssl_channel_credentials(root_certificates=ca),
        options=[("grpc.ssl_target_name_override", "notification")],
    )
    stub = pb_grpc.NotificationServiceStub(channel)
    token = issuer.issue("ops", roles=["admin"])
    with pytest.raises(grpc.RpcError) as caught:
        stub.ListDeliveries(
            pb.ListDeliveriesRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=5
        )
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    plaintext = pb_grpc.NotificationServiceStub(grpc.insecure_channel(addr))
    with pytest.raises(grpc.RpcError) as caught:
        plaintext.ListDeliveries(pb.ListDeliveriesRequest(), timeout=5)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_certificate_of_another_ca_is_refused(served, tmp_path: Path):
    addr, _issuer = served
    stranger = callers.identity(tmp_path / "other-pki", "gateway")
    with pytest.raises(grpc.RpcError) as caught:
        Client(addr, pb_grpc.NotificationServiceStub, tls=stranger, timeout=5).call(
            "ListDeliveries", pb.ListDeliveriesRequest()
        )
    # the handshake fails: the call waits for the connection until its deadline
    assert caught.value.code() in NEVER_CONNECTED


def test_the_server_must_be_the_service_meant(served):
    """notification's certificate does not pass for identity's."""
    addr, issuer = served
    with pytest.raises(grpc.RpcError) as caught:
        client(addr, issuer.issue("ops", roles=["admin"]), server="identity", timeout=5).call(
            "ListDeliveries", pb.ListDeliveriesRequest()
        )
    assert caught.value.code() in NEVER_CONNECTED


def test_a_court_system_may_not_call_what_it_is_not_declared_for(served):
    addr, _ = served
    court = callers.client(PKI, addr, pb_grpc.NotificationServiceStub, court_system_of="TPD")
    with pytest.raises(grpc.RpcError) as caught:
        court.call("ListDeliveries", pb.ListDeliveriesRequest())
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert refusal_reason(caught.value) == "CALLER_NOT_ALLOWED"


def test_an_rpc_without_declared_callers_stops_the_server(tmp_path: Path):
    """grpc.health.v1.Health declares no callers (it is not a JES contract)."""
    from grpc_health.v1 import health

    server = GrpcServer(
        "undeclared", port=0, verifier=None, tls=callers.identity(tmp_path, "identity")
    )
    with pytest.raises(MissingDeclaration, match=r"/grpc\.health\.v1\.Health/Check"):
        server.add(
            health_pb2_grpc.add_HealthServicer_to_server,
            health.HealthServicer(),
            "grpc.health.v1.Health",
        )


def test_invalid_argument_carries_field_violations(served):
    addr, issuer = served
    with pytest.raises(grpc.RpcError) as caught:
        client(addr, issuer.issue("o", roles=["admin"])).call(
            "ListDeliveries", pb.ListDeliveriesRequest(limit=-1)
        )
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
    with pytest.raises(grpc.RpcError) as caught:
        client(addr, issuer.issue("o", roles=["admin"])).call(
            "ListDeliveries", pb.ListDeliveriesRequest(recipient="boom")
        )
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "bug" not in caught.value.details()


def test_health_is_served_in_plaintext_for_probes_and_nothing_else_is(served):
    """Kubernetes probes present no certificate: the health port answers the health check
    in plaintext, and nothing else."""
    _addr, issuer = served
    probe_addr = f"127.0.0.1:{Deliveries.server.health_port}"
    stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(probe_addr))
    reply = stub.Check(
        health_pb2.HealthCheckRequest(service="jes.notification.v1.NotificationService"), timeout=5
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    other = pb_grpc.NotificationServiceStub(grpc.insecure_channel(probe_addr))
    token = issuer.issue("ops", roles=["admin"])
    with pytest.raises(grpc.RpcError) as caught:
        other.ListDeliveries(
            pb.ListDeliveriesRequest(), metadata=(("authorization", f"Bearer {token}"),), timeout=5
        )
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert _list_services(probe_addr, channel=grpc.insecure_channel(probe_addr), code=True) == (
        grpc.StatusCode.UNIMPLEMENTED
    )


def test_health_over_mutual_tls_for_any_jes_caller(served):
    addr, _ = served
    stub = health_pb2_grpc.HealthStub(client(addr, caller="gateway")._channel)
    assert stub.Check(health_pb2.HealthCheckRequest(), timeout=5).status == (
        health_pb2.HealthCheckResponse.SERVING
    )


def test_failed_call_to_another_service_is_unavailable_without_its_text(served):
    _addr, issuer = served

    class Relaying(pb_grpc.NotificationServiceServicer):
        def ListDeliveries(self, request, context):
            # calls a port where nothing listens
            client(f"127.0.0.1:{free_port()}", timeout=1).call(
                "ListDeliveries", pb.ListDeliveriesRequest()
            )

    keys = issuer.keys
    server = GrpcServer(
        "relay",
        port=0,
        verifier=TokenVerifier(keys.jwks),
        tls=callers.identity(PKI, "notification"),
    )
    server.add(
        pb_grpc.add_NotificationServiceServicer_to_server,
        Relaying(),
        "jes.notification.v1.NotificationService",
    )
    server.start()
    try:
        with pytest.raises(grpc.RpcError) as caught:
            client(f"127.0.0.1:{server.port}", issuer.issue("o", roles=["admin"])).call(
                "ListDeliveries", pb.ListDeliveriesRequest()
            )
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert caught.value.details() == "相關服務暫時無法使用，請稍後再試"
    finally:
        server.stop(0)


def _list_services(addr: str, metadata: tuple = (), *, channel=None, code=False):
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
        metadata=metadata,
        timeout=5,
    )
    try:
        return [s.name for reply in replies for s in reply.list_services_response.service]
    except grpc.RpcError as error:
        if code:
            return error.code()
        raise


def test_reflection_is_for_jes_modules_only(served):
    """Reflection lists every RPC a server has: a map for an attacker, not a public page.
    A JES module's certificate (an operator's grpcurl) may list; a court system may not,
    nor a person's token."""
    addr, issuer = served
    module = client(addr, caller="identity")._channel
    assert "jes.notification.v1.NotificationService" in _list_services(addr, channel=module)
    court = callers.client(PKI, addr, pb_grpc.NotificationServiceStub, court_system_of="TPD")
    assert _list_services(addr, channel=court._channel, code=True) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    token = issuer.issue("ops", roles=["admin"])
    with_token = _list_services(
        addr, (("authorization", f"Bearer {token}"),), channel=module, code=True
    )
    assert with_token == grpc.StatusCode.PERMISSION_DENIED


def test_a_callers_stub_is_kept_and_calls_as_that_caller(served, monkeypatch):
    """Issue 11: a stub was made per call on behalf of a user (a callable per RPC, on every
    page); now kept per token, a bounded few, and each still calls as its own caller."""
    import jes_grpckit.client as client_module

    addr, issuer = served
    one = client(addr)
    ann, bob = issuer.issue("ann", roles=["admin"]), issuer.issue("bob", roles=["admin"])
    assert one.as_caller(ann) is one.as_caller(ann)
    assert one.as_caller(bob) is not one.as_caller(ann)
    for token, subject in ((ann, "ann"), (bob, "bob"), (ann, "ann")):
        one.as_caller(token).ListDeliveries(pb.ListDeliveriesRequest())
        assert Deliveries.seen.user.subject == subject
    monkeypatch.setattr(client_module, "CALLER_STUBS", 2)
    carl = issuer.issue("carl", roles=["admin"])
    kept_bob = one.as_caller(bob)
    one.as_caller(carl)  # the least recently used (ann) goes
    assert list(one._caller_stubs) == [bob, carl]
    assert one.as_caller(bob) is kept_bob

"""Calling another service: mutual TLS with the calling module's own certificate, one
channel per (address, identity), a deadline on every call, and the request id and the
user's token (when acting for a person) passed along."""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import grpc

from jes_grpckit.logs import new_request_id, request_id_var
from jes_grpckit.server import MAX_MESSAGE_BYTES
from jes_grpckit.tls import TlsIdentity

DEFAULT_TIMEOUT = 10.0
CALLER_STUBS = 1024  # stubs kept per client for callers' tokens (least recently used go)

_channels: dict[tuple[str, str, TlsIdentity], grpc.Channel] = {}
_channels_lock = threading.Lock()

StubT = TypeVar("StubT")


def server_name_of(stub_class: Callable[..., Any]) -> str:
    """The service a generated stub talks to ("jes.photo_storage.v1..." -> "photo-storage"):
    the name its server certificate carries."""
    parts = getattr(stub_class, "__module__", "").split(".")
    if len(parts) < 2 or parts[0] != "jes":
        raise ValueError(f"cannot tell which service {stub_class!r} calls; pass server=")
    return parts[1].replace("_", "-")


def channel(addr: str, tls: TlsIdentity, server: str) -> grpc.Channel:
    """Channels are expensive and thread-safe: share one per address and identity per
    process. `server`: the service name the server's certificate must carry."""
    key = (addr, server, tls)
    with _channels_lock:
        if key not in _channels:
            _channels[key] = grpc.secure_channel(
                addr,
                tls.channel_credentials(),
                options=[
                    ("grpc.ssl_target_name_override", server),
                    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                    ("grpc.enable_retries", 1),
                    # A restarted peer is found again within seconds, not gRPC's default
                    # of up to two minutes of reconnect backoff.
                    ("grpc.initial_reconnect_backoff_ms", 200),
                    ("grpc.min_reconnect_backoff_ms", 200),
                    ("grpc.max_reconnect_backoff_ms", 3000),
                ],
            )
        return _channels[key]


class _CallDetails(
    collections.namedtuple(
        "_CallDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    pass


class _CallDefaults(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """What every outgoing call carries: a deadline, the request id, the caller's token, and
    wait_for_ready (a peer that is restarting gets the whole deadline to come back, instead
    of the call failing at once while the channel reconnects)."""

    def __init__(self, client: Client[Any], token: str | None):
        self.client = client
        self.token = token

    def _details(self, details: grpc.ClientCallDetails) -> _CallDetails:
        metadata = [*(details.metadata or ()), *self.client.metadata(self.token)]
        return _CallDetails(
            details.method,
            details.timeout if details.timeout is not None else self.client.timeout,
            metadata,
            details.credentials,
            True if details.wait_for_ready is None else details.wait_for_ready,
            details.compression,
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):
        return continuation(self._details(client_call_details), request)

    def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)

    def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return continuation(self._details(client_call_details), request_iterator)


class Client(Generic[StubT]):
    """A typed client of one service: `Client(addr, FooServiceStub, tls=my_identity)`.

    `client.stub.Method(request)` calls as the module whose certificate `tls` is (with
    `token`, if given: tests calling as a user); `client.as_caller(token)` gives a stub
    that calls on behalf of the person whose access token it is (in a handler:
    `as_caller(current_user_token())`). Both are the generated stub, so a renamed RPC or a
    wrong request type fails the type check, not the call.
    """

    def __init__(
        self,
        addr: str,
        stub_class: Callable[[grpc.Channel], StubT],
        *,
        tls: TlsIdentity,
        server: str | None = None,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self._channel = channel(addr, tls, server or server_name_of(stub_class))
        self._stub_class = stub_class
        self.token = token
        self.timeout = timeout
        self.stub: StubT = self._stub_for(None)
        # the stubs of the latest callers' tokens: a generated stub makes a callable per
        # RPC, too dear to make on every call (a page calls twice); identity hands back
        # the same access token for minutes, so a page's token is mostly already here
        self._caller_stubs: collections.OrderedDict[str, StubT] = collections.OrderedDict()
        self._caller_lock = threading.Lock()

    def _stub_for(self, token: str | None) -> StubT:
        return self._stub_class(grpc.intercept_channel(self._channel, _CallDefaults(self, token)))

    def as_caller(self, token: str | None) -> StubT:
        """The stub, calling with `token` (a user's) instead of the client's own."""
        if token is None:
            return self.stub
        with self._caller_lock:
            stub = self._caller_stubs.get(token)
            if stub is not None:
                self._caller_stubs.move_to_end(token)
                return stub
        stub = self._stub_for(token)
        with self._caller_lock:
            self._caller_stubs[token] = stub
            if len(self._caller_stubs) > CALLER_STUBS:
                self._caller_stubs.popitem(last=False)
        return stub

    def metadata(self, token: str | None = None) -> list[tuple[str, str]]:
        request_id = request_id_var.get() or new_request_id()
        md = [("x-request-id", request_id)]
        bearer = token if token is not None else self.token
        if bearer:
            md.append(("authorization", f"Bearer {bearer}"))
        return md

    def call(
        self, method: str, request: Any, *, token: str | None = None, timeout: float | None = None
    ) -> Any:
        """Untyped call by RPC name, for tests that loop over methods; code uses `stub`."""
        rpc = getattr(self.as_caller(token), method)
        return rpc(request, timeout=timeout or self.timeout)


def jwks_from_identity(identity_addr: str, tls: TlsIdentity) -> Callable[[], dict[str, Any]]:
    """A key-set fetcher for TokenVerifier that asks identity over gRPC."""

    def fetch() -> dict[str, Any]:
        from jes.identity.v1 import identity_pb2, identity_pb2_grpc

        client = Client(identity_addr, identity_pb2_grpc.IdentityServiceStub, tls=tls, timeout=5)
        reply = client.stub.GetKeySet(identity_pb2.GetKeySetRequest())
        return json.loads(reply.jwks_json)

    return fetch

"""Calling another service: one channel per address, a deadline on every call, the caller's
token and request id passed along."""

from __future__ import annotations

import collections
import json
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import grpc

from jes_grpckit.logs import new_request_id, request_id_var
from jes_grpckit.server import MAX_MESSAGE_BYTES

DEFAULT_TIMEOUT = 10.0

_channels: dict[str, grpc.Channel] = {}
_channels_lock = threading.Lock()

StubT = TypeVar("StubT")


def channel(addr: str) -> grpc.Channel:
    """Channels are expensive and thread-safe: share one per address per process."""
    with _channels_lock:
        if addr not in _channels:
            _channels[addr] = grpc.insecure_channel(
                addr,
                options=[
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
        return _channels[addr]


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
    """A typed client of one service: `Client(addr, FooServiceStub, token=...)`.

    `client.stub.Method(request)` calls with the client's own token (a string, or a
    callable returning one, such as a service token provider); `client.as_caller(token)`
    gives a stub that calls on behalf of a user. Both are the generated stub, so a renamed
    RPC or a wrong request type fails the type check, not the call.
    """

    def __init__(
        self,
        addr: str,
        stub_class: Callable[[grpc.Channel], StubT],
        *,
        token: str | Callable[[], str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self._channel = channel(addr)
        self._stub_class = stub_class
        self.token = token
        self.timeout = timeout
        self.stub: StubT = self._stub_for(None)

    def _stub_for(self, token: str | None) -> StubT:
        return self._stub_class(grpc.intercept_channel(self._channel, _CallDefaults(self, token)))

    def as_caller(self, token: str | None) -> StubT:
        """The stub, calling with `token` (a user's) instead of the client's own."""
        return self.stub if token is None else self._stub_for(token)

    def metadata(self, token: str | None = None) -> list[tuple[str, str]]:
        request_id = request_id_var.get() or new_request_id()
        md = [("x-request-id", request_id)]
        bearer = token if token is not None else self.token
        if callable(bearer):
            bearer = bearer()
        if bearer:
            md.append(("authorization", f"Bearer {bearer}"))
        return md

    def call(
        self, method: str, request: Any, *, token: str | None = None, timeout: float | None = None
    ) -> Any:
        """Untyped call by RPC name, for tests that loop over methods; code uses `stub`."""
        rpc = getattr(self.as_caller(token), method)
        return rpc(request, timeout=timeout or self.timeout)


class ServiceTokenProvider:
    """Fetches a service token from identity and renews it before it expires."""

    def __init__(self, identity_addr: str, service_name: str, secret: str):
        self.identity_addr = identity_addr
        self.service_name = service_name
        self.secret = secret
        self._token = ""
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if time.monotonic() >= self._renew_at:
                from jes.identity.v1 import identity_pb2, identity_pb2_grpc

                client = Client(self.identity_addr, identity_pb2_grpc.IdentityServiceStub)
                reply = client.stub.IssueServiceToken(
                    identity_pb2.IssueServiceTokenRequest(
                        service_name=self.service_name, secret=self.secret
                    )
                )
                self._token = reply.access_token
                self._renew_at = time.monotonic() + reply.expires_in_seconds * 0.7
            return self._token


def jwks_from_identity(identity_addr: str) -> Callable[[], dict[str, Any]]:
    """A key-set fetcher for TokenVerifier that asks identity over gRPC."""

    def fetch() -> dict[str, Any]:
        from jes.identity.v1 import identity_pb2, identity_pb2_grpc

        client = Client(identity_addr, identity_pb2_grpc.IdentityServiceStub, timeout=5)
        reply = client.stub.GetKeySet(identity_pb2.GetKeySetRequest())
        return json.loads(reply.jwks_json)

    return fetch

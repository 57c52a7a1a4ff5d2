"""Calling another service: one channel per address, a deadline on every call, the caller's
token and request id passed along."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from jes_grpckit.logs import new_request_id, request_id_var
from jes_grpckit.server import MAX_MESSAGE_BYTES

DEFAULT_TIMEOUT = 10.0

_channels: dict[str, grpc.Channel] = {}
_channels_lock = threading.Lock()

Stub = TypeVar("Stub")


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


class Client:
    """`Client(addr, StubClass, token=...)`; then `client.call("Method", request)`.

    `token` is a string or a callable returning one (a service token provider).
    """

    def __init__(
        self,
        addr: str,
        stub_class: Callable[[grpc.Channel], Any],
        *,
        token: str | Callable[[], str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.stub = stub_class(channel(addr))
        self.token = token
        self.timeout = timeout

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
        rpc = getattr(self.stub, method)
        # wait_for_ready: a peer that is restarting gets the whole deadline to come back,
        # instead of the call failing at once while the channel is reconnecting.
        return rpc(
            request,
            timeout=timeout or self.timeout,
            metadata=self.metadata(token),
            wait_for_ready=True,
        )


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
                reply = client.call(
                    "IssueServiceToken",
                    identity_pb2.IssueServiceTokenRequest(
                        service_name=self.service_name, secret=self.secret
                    ),
                )
                self._token = reply.access_token
                self._renew_at = time.monotonic() + reply.expires_in_seconds * 0.7
            return self._token


def jwks_from_identity(identity_addr: str) -> Callable[[], dict[str, Any]]:
    """A key-set fetcher for TokenVerifier that asks identity over gRPC."""

    def fetch() -> dict[str, Any]:
        from jes.identity.v1 import identity_pb2, identity_pb2_grpc

        client = Client(identity_addr, identity_pb2_grpc.IdentityServiceStub, timeout=5)
        reply = client.call("GetKeySet", identity_pb2.GetKeySetRequest())
        return json.loads(reply.jwks_json)

    return fetch

"""What every facade shares: a typed stub per caller whose refusals arrive as ServiceError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

import grpc

from jes_gateway.problems import from_grpc
from jes_grpckit.client import Client

StubT = TypeVar("StubT")


class _Translating:
    """Wraps a generated stub: each RPC raises ServiceError instead of grpc.RpcError, so
    no code above the facades handles gRPC statuses."""

    def __init__(self, stub: Any):
        self._stub = stub

    def __getattr__(self, name: str) -> Callable[..., Any]:
        rpc = getattr(self._stub, name)

        def call(request: Any, **kwargs: Any) -> Any:
            try:
                return rpc(request, **kwargs)
            except grpc.RpcError as error:
                raise from_grpc(error) from error

        return call


class Facade(Generic[StubT]):
    """One backend service seen by the gateway: typed methods with plain arguments."""

    def __init__(self, client: Client[StubT]):
        self.client = client

    def _rpc(self, token: str | None = None) -> StubT:
        """The service's stub calling as `token` (a person's access token) or as the gateway."""
        return cast(StubT, _Translating(self.client.as_caller(token)))

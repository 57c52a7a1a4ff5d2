"""The standard gRPC health check of every backend, for the gateway's readiness probe."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from jes_grpckit.client import channel
from jes_grpckit.tls import TlsIdentity


def unhealthy_backends(addrs: dict[str, str], tls: TlsIdentity) -> dict[str, str]:
    """name -> what is wrong, for each backend that is not serving."""
    problems = {}
    for name, addr in addrs.items():
        try:
            stub = health_pb2_grpc.HealthStub(channel(addr, tls, name))
            reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
            if reply.status != health_pb2.HealthCheckResponse.SERVING:
                problems[name] = "not serving"
        except grpc.RpcError as exc:
            problems[name] = exc.code().name if isinstance(exc, grpc.Call) else "unreachable"
    return problems

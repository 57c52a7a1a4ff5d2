"""Prometheus metrics shared by every gRPC server (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

GRPC_REQUESTS = Counter(
    "jes_grpc_server_requests_total",
    "gRPC requests handled, by final status code",
    ["service", "method", "code"],
)
GRPC_DURATION = Histogram(
    "jes_grpc_server_request_duration_seconds",
    "gRPC request handling time",
    ["service", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

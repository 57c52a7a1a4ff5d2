"""Callers for tests: each a certificate of the test run's CA (mutual TLS), and a person's
token when the caller acts for one.

`pki` is the folder a service under test reads its own certificate from
(`<JES_DATA_DIR>/pki`, made on first use); `identity(pki, "gateway")` is the gateway's
certificate there, `court_system(pki, "TPD")` the Taipei court's system's, and
`client(pki, addr, Stub, caller="review-workflow", token=clerk_token)` a typed client
calling as that module for that person.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from jes_auth.pki import PeerIdentity, ensure_identity
from jes_grpckit import Client, TlsIdentity

StubT = TypeVar("StubT")


def identity(pki: Path, service: str) -> TlsIdentity:
    """A JES module's certificate (spiffe://jes/service/<name>)."""
    return TlsIdentity.from_folder(ensure_identity(pki, PeerIdentity("service", service)))


def court_system(pki: Path, court_code: str) -> TlsIdentity:
    """A court's own system's certificate (spiffe://jes/court-system/<court>)."""
    return TlsIdentity.from_folder(ensure_identity(pki, PeerIdentity("court-system", court_code)))


def client(
    pki: Path,
    addr: str,
    stub_class: Callable[[Any], StubT],
    *,
    caller: str = "gateway",
    court_system_of: str = "",
    token: str | None = None,
    timeout: float = 10.0,
    server: str | None = None,
) -> Client[StubT]:
    """A client calling as `caller` (a module), or as the court system of `court_system_of`."""
    tls = court_system(pki, court_system_of) if court_system_of else identity(pki, caller)
    return Client(addr, stub_class, tls=tls, token=token, timeout=timeout, server=server)

"""Two gateway processes (the replicas of one Deployment) sharing one database, for the
per-client limits they must share. Behind them, one gRPC server refuses every call as a
wrong password would (UNAUTHENTICATED): an allowed login gets 401, a limited one 429
before any service is asked."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
import requests

from jes_config import SERVICES
from support.processes import PYTHON, Process, base_env, free_port, wait_for_process


class RefuseEverything(grpc.GenericRpcHandler):
    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        def refuse(_request: bytes, context: grpc.ServicerContext) -> bytes:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "帳號或密碼錯誤")

        return grpc.unary_unary_rpc_method_handler(refuse)


@contextmanager
def refusing_services(pki: Path) -> Iterator[str]:
    """identity as the gateways see it: its certificate from the JES CA in `pki`."""
    from jes_auth.pki import PeerIdentity, ensure_identity
    from jes_grpckit.tls import TlsIdentity

    tls = TlsIdentity.from_folder(ensure_identity(pki, PeerIdentity("service", "identity")))
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((RefuseEverything(),))
    port = server.add_secure_port("127.0.0.1:0", tls.server_credentials())
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(0)


@contextmanager
def two_gateways(work: Path, database_url: str) -> Iterator[list[str]]:
    with refusing_services(work / "pki") as identity:
        with _two_gateways(work, database_url, identity) as urls:
            yield urls


@contextmanager
def _two_gateways(work: Path, database_url: str, identity: str) -> Iterator[list[str]]:
    from jes_auth.pki import PeerIdentity, ensure_identity

    # both replicas hold the one gateway certificate, from the same CA as identity's
    certs = ensure_identity(work / "pki", PeerIdentity("service", "gateway"))
    closed = f"127.0.0.1:{free_port()}"  # the other services: never called on login
    urls, processes = [], []
    for name in ("gateway-a", "gateway-b"):
        port = free_port()
        env = base_env(
            JES_DATA_DIR=str(work / name),
            JES_HTTP_PORT=str(port),
            JES_METRICS_PORT=str(free_port()),
            JES_DATABASE_URL=database_url,
            JES_TRUSTED_PROXIES="127.0.0.0/8",  # the tests play the ingress controller
            JES_TLS_CERT_FILE=str(certs / "tls.crt"),
            JES_TLS_KEY_FILE=str(certs / "tls.key"),
            JES_TLS_CA_FILE=str(certs / "ca.crt"),
            **{
                f"JES_{s.upper().replace('-', '_')}_ADDR": identity if s == "identity" else closed
                for s in SERVICES
            },
        )
        command = [PYTHON, "-m", "jes_platform", "run", "--target=gateway"]
        processes.append(Process(name, command, env, work).start())
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url, process in zip(urls, processes, strict=True):
            try:
                wait_for_process(process, f"{url}/healthz")
            except TimeoutError:
                pytest.fail(f"{process.name} did not start:\n{process.log_tail()}")
        yield urls
    finally:
        for process in processes:
            process.stop()


def login(base_url: str, client: str) -> int:
    return requests.post(
        f"{base_url}/api/v1/sessions",
        json={"account_id": "TPDF0001", "password": "x"},
        headers={"X-Forwarded-For": client},
        timeout=10,
    ).status_code


def assert_one_budget_across_replicas(urls: list[str], limit: int) -> None:
    """`limit` logins of one client alternate between the replicas; the next is refused
    by both. Another client still has its own budget."""
    spent = [login(urls[n % 2], "203.0.113.5") for n in range(limit)]
    assert spent == [401] * limit, spent
    assert login(urls[0], "203.0.113.5") == 429
    assert login(urls[1], "203.0.113.5") == 429
    other = login(urls[1], "198.51.100.7")
    assert other == 401, other

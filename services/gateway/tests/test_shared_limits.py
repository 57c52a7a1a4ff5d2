"""Per-client limits are counted in the gateway's database: two gateway instances (the
replicas of a Deployment) that share it share one budget per client, and what one client
spends never limits another (no lockout of a real user by someone else)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jes.identity.v1 import identity_pb2
from jes_gateway.app import create_app
from jes_gateway.config import GatewayConfig
from jes_gateway.limits import (
    application_limiter,
    login_limiter,
    mail_request_limiter,
)
from jes_gateway.ratelimit import client_key

PROXY = {"JES_TRUSTED_PROXIES": "127.0.0.0/8"}  # the tests' ingress controller


def replica(data: Path, services, database_url: str):
    """One gateway process of a Deployment: its own data folder, the shared database."""
    config = GatewayConfig.load(
        {"JES_DATA_DIR": str(data), "JES_DATABASE_URL": database_url, **PROXY}
    )
    app = create_app(config, backends=services)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def replicas(tmp_path, services):
    url = f"sqlite:///{tmp_path}/shared/gateway.db"
    return replica(tmp_path / "a", services, url), replica(tmp_path / "b", services, url)


@pytest.fixture
def identity(services):
    services.identity.replies["Login"] = identity_pb2.LoginResponse(
        access_token="t", account=identity_pb2.Account(account_id="TPD0001", roles=["firm"])
    )
    services.identity.replies["RequestPasswordReset"] = identity_pb2.RequestPasswordResetResponse()
    services.identity.replies["ApplyFirmAccount"] = identity_pb2.FirmApplication(id="a1")
    return services.identity


def login(client, forwarded_for: str = "203.0.113.5", account_id: str = "TPD0001"):
    return client.post(
        "/api/v1/sessions",
        json={"account_id": account_id, "password": "x"},
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_two_replicas_share_one_login_budget_per_client(replicas, identity):
    a, b = replicas
    answers = [login(a if n % 2 else b) for n in range(login_limiter.limit)]
    assert [r.status_code for r in answers] == [201] * login_limiter.limit
    assert login(a).status_code == 429
    assert login(b).status_code == 429  # the other replica knows it too


def test_another_client_is_not_locked_out_by_an_attacker(replicas, identity):
    a, b = replicas
    for _ in range(login_limiter.limit + 5):  # someone hammers the firm's account
        login(a, forwarded_for="198.51.100.66")
    assert login(b, forwarded_for="203.0.113.5").status_code == 201  # the firm still logs in


def test_replicas_share_the_reset_and_application_budgets(replicas, identity):
    a, b = replicas
    reset = {"account_id": "ADMIN", "email": "admin@jes.example"}
    headers = {"X-Forwarded-For": "203.0.113.9"}
    codes = [
        (a if n % 2 else b).post("/api/v1/password/reset-requests", json=reset, headers=headers)
        for n in range(mail_request_limiter.limit + 1)
    ]
    assert [c.status_code for c in codes] == [202] * mail_request_limiter.limit + [429]
    application = {
        "court_code": "TPD",
        "company_name": "大華估價",
        "contact_person": "王大明",
        "email": "wang@example.com",
        "phone": "02-23456789",
    }
    codes = [
        (a if n % 2 else b).post("/api/v1/firm-applications", json=application, headers=headers)
        for n in range(application_limiter.limit + 1)
    ]
    assert [c.status_code for c in codes] == [201] * application_limiter.limit + [429]


def test_a_restarted_gateway_remembers_what_was_spent(tmp_path, services, identity):
    url = f"sqlite:///{tmp_path}/gateway.db"
    first = replica(tmp_path / "a", services, url)
    for _ in range(login_limiter.limit):
        login(first)
    assert login(replica(tmp_path / "b", services, url)).status_code == 429


def test_an_ipv6_client_counts_by_its_64_prefix():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:203.0.113.5") == client_key("203.0.113.5") == "203.0.113.5"


def test_logins_tell_identity_the_client_it_locks_out_per(replicas, identity):
    a, _ = replicas
    login(a, forwarded_for="203.0.113.5, 10.9.9.9")  # the proxy chain: 127.0.0.1 trusted
    [request] = identity.requests("Login")
    assert request.client_address == "10.9.9.9"

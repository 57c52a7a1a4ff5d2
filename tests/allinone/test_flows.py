"""The three walking-skeleton journeys in all-in-one mode (`jes run --target=all`):
one process, SQLite, folder object store, embedded event bus, local mailbox."""

from __future__ import annotations

import requests

from support import flows
from support.allinone import DEMO_PASSWORD


def test_readyz_and_metrics(platform: flows.Platform):
    assert requests.get(f"{platform.base_url}/readyz", timeout=5).json() == {"status": "ready"}
    metrics = requests.get(platform.metrics_url, timeout=5).text
    assert "jes_grpc_server_requests_total" in metrics
    assert "jes_outbox_backlog" in metrics
    # not on the public port: only the metrics port, which no Ingress carries
    assert requests.get(f"{platform.base_url}/metrics", timeout=5).status_code == 404


def test_key_set_is_published(platform: flows.Platform):
    keys = requests.get(f"{platform.base_url}/.well-known/jwks.json", timeout=5).json()["keys"]
    assert keys and all(k["kty"] == "OKP" and k["alg"] == "EdDSA" and "d" not in k for k in keys)


def test_firm_applies(platform: flows.Platform):
    flows.firm_applies(platform)


def test_firm_uploads_and_prints(platform: flows.Platform):
    flows.firm_uploads_and_prints(platform, ("DEMOFIRM", DEMO_PASSWORD), "clerk.tpd@jes.example")


def test_court_pushes_progress(platform: flows.Platform):
    flows.court_pushes_progress(platform)


def test_data_survives_a_restart(platform: flows.Platform):
    """A second start keeps what the first stored (data under JES_DATA_DIR)."""
    token = platform.login("DEMOFIRM", DEMO_PASSWORD)
    opened = platform.api(
        "POST",
        "/api/v1/photo-sets",
        token,
        json={
            "court_code": "TPD",
            "division": "乙",
            "case_number": {"year": 110, "word": "司執", "number": 4321},
        },
    )
    assert opened.status_code == 200, opened.text
    platform.restart()  # type: ignore[attr-defined]
    token = platform.login("DEMOFIRM", DEMO_PASSWORD)
    again = platform.api("GET", f"/api/v1/photo-sets/{opened.json()['id']}", token)
    assert again.status_code == 200
    assert again.json()["case_number"] == {"year": 110, "word": "司執", "number": 4321}

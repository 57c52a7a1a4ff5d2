"""The three walking-skeleton journeys in all-in-one mode (`jes run --target=all`):
one process, SQLite, folder object store, embedded event bus, local mailbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jes_config import SERVICES
from support import flows
from support.processes import PYTHON, Process, base_env, free_port, http_ok, wait_until

DEMO_PASSWORD = "Demo1234!"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    data = tmp_path_factory.mktemp("jes-data")
    http_port = free_port()
    addrs = {name: f"127.0.0.1:{free_port()}" for name in SERVICES}
    env = base_env(
        JES_DATA_DIR=str(data),
        JES_HTTP_PORT=str(http_port),
        **{f"JES_{name.upper().replace('-', '_')}_ADDR": addr for name, addr in addrs.items()},
    )
    jes = Process("jes-all", [PYTHON, "-m", "jes_gateway.cli", "run", "--target=all"], env, data)
    base_url = f"http://127.0.0.1:{http_port}"

    def start() -> None:
        jes.start()
        try:
            wait_until(lambda: http_ok(f"{base_url}/readyz"), timeout=60, what="all-in-one")
        except TimeoutError:
            jes.stop()
            pytest.fail(f"all-in-one did not start:\n{jes.log_tail()}")

    def restart() -> None:
        jes.stop()
        assert not jes.alive()
        start()

    start()

    def mails_to(address: str) -> list[dict[str, Any]]:
        reply = requests.get(
            f"{base_url}/dev/mailbox", headers={"Accept": "application/json"}, timeout=5
        )
        return [m for m in reply.json()["messages"] if m["to"] == address]

    def object_exists(bucket: str, prefix: str) -> bool:
        root = data / "objects" / bucket
        return any(
            str(p.relative_to(root)).startswith(prefix) for p in root.rglob("*") if p.is_file()
        )

    platform = flows.Platform(
        base_url=base_url,
        addrs=addrs,
        service_secret=(data / "service-secret").read_text().strip(),
        mails_to=mails_to,
        object_exists=object_exists,
    )
    platform.restart = restart  # type: ignore[attr-defined]
    yield platform
    jes.stop()
    assert not jes.alive(), "jes did not stop on SIGTERM"


def test_readyz_and_metrics(platform: flows.Platform):
    assert requests.get(f"{platform.base_url}/readyz", timeout=5).json() == {"status": "ready"}
    metrics = requests.get(f"{platform.base_url}/metrics", timeout=5).text
    assert "jes_grpc_server_requests_total" in metrics
    assert "jes_outbox_backlog" in metrics


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

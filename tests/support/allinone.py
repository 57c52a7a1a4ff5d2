"""Running the whole platform in all-in-one mode for a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from jes_config import SERVICES
from support import flows
from support.processes import PYTHON, Process, base_env, free_port, wait_for_process

DEMO_PASSWORD = "Demo1234!"


@contextmanager
def running_all_in_one(
    data: Path, *, dev: bool = True, settings: dict[str, str] | None = None
) -> Iterator[flows.Platform]:
    """`jes run --target=all --dev` on free ports with its data in `data`: the journeys
    use the demo accounts and read mail at /dev/mailbox, which only development mode has
    (`dev=False`: as a real installation runs it). `settings`: more JES_* variables."""
    http_port, metrics_port = free_port(), free_port()
    addrs = {name: f"127.0.0.1:{free_port()}" for name in SERVICES}
    settings = base_env(
        JES_DATA_DIR=str(data),
        JES_HTTP_PORT=str(http_port),
        JES_METRICS_PORT=str(metrics_port),
        **{f"JES_{name.upper().replace('-', '_')}_ADDR": addr for name, addr in addrs.items()},
        **(settings or {}),
    )
    command = [PYTHON, "-m", "jes_platform", "run", "--target=all", *(["--dev"] if dev else [])]
    jes = Process("jes-all", command, settings, data)
    base_url = f"http://127.0.0.1:{http_port}"

    def start() -> None:
        jes.start()
        try:
            wait_for_process(jes, f"{base_url}/readyz")
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
        pki=data / "pki",
        mails_to=mails_to,
        object_exists=object_exists,
        metrics_url=f"http://127.0.0.1:{metrics_port}/metrics",
    )
    platform.restart = restart  # type: ignore[attr-defined]
    platform.process = jes  # type: ignore[attr-defined]
    yield platform
    jes.stop()
    assert not jes.alive(), "jes did not stop on SIGTERM"

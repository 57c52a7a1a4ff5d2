"""All-in-one as a real installation runs it (no `--dev`): no demo accounts, no mailbox
page; the first administrator comes from `jes create-admin`. Development mode itself is
refused on an address others can reach."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from support import flows
from support.allinone import DEMO_PASSWORD, running_all_in_one
from support.processes import PYTHON, ROOT, base_env

NEW_PASSWORD = "Admin1234!court"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jes-data")


@pytest.fixture(scope="module")
def installation(data: Path) -> Iterator[flows.Platform]:
    with running_all_in_one(data, dev=False) as platform:
        yield platform


def login(platform: flows.Platform, account_id: str, password: str) -> requests.Response:
    return requests.post(
        f"{platform.base_url}/api/v1/sessions",
        json={"account_id": account_id, "password": password},
        timeout=10,
    )


def test_no_demo_accounts_without_development_mode(installation: flows.Platform) -> None:
    for account_id in ("ADMIN", "TPDCLERK", "DEMOFIRM"):
        assert login(installation, account_id, DEMO_PASSWORD).status_code == 401


def test_admins_reset_link_cannot_be_read_at_dev_mailbox(installation: flows.Platform) -> None:
    asked = requests.post(
        f"{installation.base_url}/api/v1/password/reset-requests",
        json={"account_id": "ADMIN", "email": "admin@jes.example"},
        timeout=10,
    )
    assert asked.status_code == 202
    for accept in ("application/json", "text/html"):
        page = requests.get(
            f"{installation.base_url}/dev/mailbox", headers={"Accept": accept}, timeout=10
        )
        assert page.status_code == 404
        assert "password/set" not in page.text


def test_the_first_admin_comes_from_jes_create_admin(
    installation: flows.Platform, data: Path
) -> None:
    env = base_env(JES_DATA_DIR=str(data), JES_PUBLIC_URL=installation.base_url)
    created = subprocess.run(
        [PYTHON, "-m", "jes_platform", "create-admin", "--account-id", "OPS", "--email",
         "ops@court.example"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    [link] = [line for line in created.stdout.splitlines() if "/password/set?token=" in line]
    assert link.startswith(f"{installation.base_url}/password/set?token=")
    token = link.split("token=", 1)[1]
    set_password = requests.post(
        f"{installation.base_url}/api/v1/password/set",
        json={"token": token, "new_password": NEW_PASSWORD},
        timeout=10,
    )
    assert set_password.status_code == 200, set_password.text
    session = login(installation, "OPS", NEW_PASSWORD)
    assert session.status_code == 201
    assert session.json()["account"]["roles"] == ["admin"]


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_development_mode_is_refused_on_a_non_loopback_bind(tmp_path: Path, host: str) -> None:
    env = base_env(JES_DATA_DIR=str(tmp_path), JES_BIND_HOST=host)
    started = subprocess.run(
        [PYTHON, "-m", "jes_platform", "run", "--target=all", "--dev"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert started.returncode == 2
    assert f"JES_DEV_MODE (development mode: demo accounts, /dev/mailbox) is refused with " \
        f"JES_BIND_HOST={host}" in started.stderr  # fmt: skip
    assert not (tmp_path / "identity.db").exists()  # nothing started

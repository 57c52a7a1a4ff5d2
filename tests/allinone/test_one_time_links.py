"""A one-time set-password link exists in the clear only in the mail (issue 9, finding 5):
identity keeps its hash, and nothing else at rest (identity's outbox, the event bus,
notification's deliveries, the logs) ever holds the raw token. All-in-one mode, so every
byte the platform wrote is in one data folder, next to the mailbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from support import flows
from support.allinone import DEMO_PASSWORD, running_all_in_one
from support.journey import NEW_PASSWORD, SET_PASSWORD_LINK, _wait_for_application, ok
from support.processes import wait_until


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jes-data")


@pytest.fixture(scope="module")
def platform(data: Path) -> Iterator[flows.Platform]:
    with running_all_in_one(data) as platform:
        yield platform


def files_holding(data: Path, secret: str) -> list[str]:
    """Every file under the data folder, the mailbox aside, whose bytes contain `secret`
    (databases with their WAL files, the bus, the process log)."""
    needle = secret.encode()
    return [
        str(path.relative_to(data))
        for path in data.rglob("*")
        if path.is_file() and "mailbox" not in path.parts and needle in path.read_bytes()
    ]


def mailed_token(platform: flows.Platform, email: str, subject_part: str) -> str:
    def mailed() -> bool:
        return any(subject_part in m["subject"] for m in platform.mails_to(email))

    wait_until(mailed, timeout=60, what=f"mail '{subject_part}' to {email}")
    mail = next(m for m in platform.mails_to(email) if subject_part in m["subject"])
    found = SET_PASSWORD_LINK.search(mail["body"])
    assert found, mail["body"]
    return found.group(1)


def set_password(platform: flows.Platform, token: str, password: str = NEW_PASSWORD):
    return platform.api(
        "POST", "/api/v1/password/set", json={"token": token, "new_password": password}
    )


def test_activation_and_reset_tokens_are_only_in_the_mail(platform: flows.Platform, data: Path):
    email = flows.unique_email("links")
    application = {
        "court_code": "TPD",
        "company_name": "守密不動產估價師事務所",
        "contact_person": "陳先生",
        "email": email,
        "phone": "02-2700-5678",
    }
    ok(platform.api("POST", "/api/v1/firm-applications", json=application), 201)
    clerk_token = platform.login("TPDCLERK", DEMO_PASSWORD)
    applied = _wait_for_application(platform, clerk_token, email)
    decision = ok(
        platform.api(
            "POST",
            f"/api/v1/firm-applications/{applied['id']}/decision",
            clerk_token,
            json={"approve": True},
        )
    )
    activation = mailed_token(platform, email, "帳號已啟用")
    assert len(activation) >= 43
    assert files_holding(data, activation) == []

    # the mailed link works, once (opened as a person does, then the form posted)
    page = requests.get(f"{platform.base_url}/password/set?token={activation}", timeout=10)
    assert page.status_code == 200
    ok(set_password(platform, activation))
    reused = set_password(platform, activation, "Other2026!again")
    assert reused.status_code == 409 and "已使用" in reused.json()["error"]

    ok(
        platform.api(
            "POST",
            "/api/v1/password/reset-requests",
            json={"account_id": decision["account_id"], "email": email},
        ),
        202,
    )
    reset = mailed_token(platform, email, "重新設定密碼")
    assert reset != activation
    assert files_holding(data, reset) == []
    ok(set_password(platform, reset, "Reset2026!again"))
    assert set_password(platform, reset, "Again2026!again").status_code == 409
    assert platform.login(decision["account_id"], "Reset2026!again")
    # nor afterwards: not in the logs of the requests that used them (data/jes-all.log)
    assert files_holding(data, activation) == files_holding(data, reset) == []
    log = (data / "jes-all.log").read_text(errors="replace")
    assert not re.search(r"token=[A-Za-z0-9_\-]{40,}", log)

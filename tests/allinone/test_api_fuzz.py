"""No 5xx on any input (issue 9): schemathesis generates requests from the gateway's own
OpenAPI document, valid and invalid, for every /api/v1 operation, sent as a firm and as a
clerk to the running all-in-one platform; not one may be answered with a server error.

Bounded: a few examples per operation, mode and caller, and no shrinking, so the run
takes a couple of minutes. A failure lists every operation that answered 5xx, with the
request that did it.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from support import flows
from support.allinone import DEMO_PASSWORD

# Per operation, caller and strategy (valid, invalid, and on a real set); the same examples
# on every run (derandomized), more with JES_FUZZ_EXAMPLES and JES_FUZZ_RANDOM=1.
EXAMPLES = int(os.environ.get("JES_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("JES_FUZZ_RANDOM") == "1"


@pytest.fixture(scope="module")
def schema(platform: flows.Platform) -> Any:
    document = platform.api("GET", "/api/v1/openapi.json").json()
    return schemathesis.openapi.from_dict(document)


@pytest.fixture(scope="module")
def callers(platform: flows.Platform) -> dict[str, str]:
    return {
        "firm": platform.login("DEMOFIRM", DEMO_PASSWORD),
        "clerk": platform.login("TPDCLERK", DEMO_PASSWORD),
    }


@pytest.fixture(scope="module")
def real_set(platform: flows.Platform, callers: dict[str, str]) -> str:
    """A set of the firm's, so the set's operations get past 404 too."""
    reply = platform.api(
        "POST",
        "/api/v1/photo-sets",
        callers["firm"],
        json={
            "court_code": "TPD",
            "division": "甲",
            "case_number": {"year": 107, "word": "司執", "number": 424242},
        },
    )
    assert reply.status_code in (200, 201), reply.text  # opened or created
    return str(reply.json()["id"])


def strategies(operation: Any, set_id: str) -> Any:
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    found = [operation.as_strategy(mode) for mode in modes]
    if "{set_id}" in operation.path:
        found += [operation.as_strategy(mode, path_parameters={"set_id": set_id}) for mode in modes]
    return st.one_of(found)


class Run:
    """Sends generated requests as one caller and keeps every server error."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.tried = 0
        self.server_errors: list[str] = []

    def fuzz(self, operation: Any, role: str, token: str, set_id: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}

        @settings(
            max_examples=EXAMPLES * 4,
            deadline=None,
            database=None,
            derandomize=not RANDOM,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategies(operation, set_id))
        def call(case: Any) -> None:
            self.tried += 1
            response = case.call(base_url=self.base_url, session=self.session, headers=headers)
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{role} {operation.label} -> {response.status_code}: "
                    f"{case.as_curl_command(headers=headers)}\n  {response.text[:300]}"
                )

        call()


def test_no_operation_answers_a_server_error(
    platform: flows.Platform, schema: Any, callers: dict[str, str], real_set: str
):
    run = Run(f"{platform.base_url}/api/v1")
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for role, token in callers.items():
        for operation in operations:
            run.fuzz(operation, role, token, real_set)
    elapsed = time.monotonic() - started
    print(
        f"schemathesis: {len(operations)} operations x {len(callers)} callers, "
        f"{run.tried} requests, {len(run.server_errors)} server errors, {elapsed:.0f}s"
    )
    assert run.server_errors == [], "\n".join(run.server_errors)

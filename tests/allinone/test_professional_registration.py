"""Journey 6, professional registration, through the running all-in-one (the journeys
are in support/professional_journeys.py, shared with distributed mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import flows
from support.allinone import DEMO_PASSWORD
from support.professional_journeys import (
    lawyer_registers_is_approved_activates_and_logs_in,
    refusal_is_mailed_with_its_reason_and_creates_no_account,
)


def test_a_lawyer_registers_is_approved_activates_and_logs_in(
    platform: flows.Platform, tmp_path: Path
):
    lawyer_registers_is_approved_activates_and_logs_in(platform, ("ADMIN", DEMO_PASSWORD), tmp_path)


def test_a_refusal_is_mailed_with_its_reason_and_creates_no_account(platform: flows.Platform):
    refusal_is_mailed_with_its_reason_and_creates_no_account(platform, ("ADMIN", DEMO_PASSWORD))


@pytest.mark.parametrize("who", ["firm", "clerk"])
def test_only_administrators_reach_the_queue(platform: flows.Platform, who: str):
    account = {"firm": "DEMOFIRM", "clerk": "TPDCLERK"}[who]
    token = platform.login(account, DEMO_PASSWORD)
    reply = platform.api("GET", "/api/v1/professional-applications", token)
    assert reply.status_code == 403

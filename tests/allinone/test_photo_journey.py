"""Issue 3's whole photo journey in all-in-one mode (see support/journey.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import flows, journey
from support.allinone import DEMO_PASSWORD, running_all_in_one


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    with running_all_in_one(tmp_path_factory.mktemp("jes-data")) as platform:
        yield platform


def test_apply_activate_upload_print_reject_fix_reprint_approve_public(platform):
    journey.photo_journey(
        platform, clerk=("TPDCLERK", DEMO_PASSWORD), other_clerk=("KLDCLERK", DEMO_PASSWORD)
    )

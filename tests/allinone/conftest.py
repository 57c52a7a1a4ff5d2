"""Fixtures of the all-in-one tests: each module gets its own platform (own data folder),
so one module's accounts, sets and mails never leak into another's assertions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import flows
from support.allinone import running_all_in_one


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[flows.Platform]:
    with running_all_in_one(tmp_path_factory.mktemp("jes-data")) as platform:
        yield platform

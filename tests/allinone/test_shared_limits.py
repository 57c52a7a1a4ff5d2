"""Two gateway processes sharing one SQLite database share one per-client login budget
(against PostgreSQL: tests/integration/test_shared_limits.py)."""

from __future__ import annotations

from pathlib import Path

from jes_gateway.limits import login_limiter
from support.gateways import assert_one_budget_across_replicas, two_gateways


def test_two_gateway_processes_share_one_login_budget(tmp_path: Path) -> None:
    with two_gateways(tmp_path, f"sqlite:///{tmp_path}/shared/gateway.db") as urls:
        assert_one_budget_across_replicas(urls, login_limiter.limit)

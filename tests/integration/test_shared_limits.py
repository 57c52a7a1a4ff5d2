"""Two gateway processes (replicas) sharing the gateway's PostgreSQL database share one
per-client login budget: the limits hold however many replicas run."""

from __future__ import annotations

from pathlib import Path

from jes_gateway.limits import login_limiter
from support.gateways import assert_one_budget_across_replicas, two_gateways


def test_two_gateway_replicas_share_one_login_budget_on_postgresql(
    infra: dict[str, str], tmp_path: Path
) -> None:
    from sqlalchemy import create_engine, text

    url = f"{infra['JES_PG_URL_BASE']}/gateway"
    engine = create_engine(url)
    with engine.begin() as conn:  # a budget of an earlier run must not count
        conn.execute(text("DROP TABLE IF EXISTS rate_limit_hits"))
    engine.dispose()
    with two_gateways(tmp_path, url) as urls:
        assert_one_budget_across_replicas(urls, login_limiter.limit)

"""The relay's partial index in every service's migrations, on SQLite (all-in-one's
database); tests/integration/test_outbox_index_postgres.py checks PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from jes_events.tables import UNPUBLISHED_INDEX
from support.outbox_index import SERVICES_WITH_OUTBOX, step


def index_sql(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
                {"name": UNPUBLISHED_INDEX},
            ).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES_WITH_OUTBOX)
def test_the_migrations_make_the_relays_partial_index(tmp_path: Path, service: str) -> None:
    url = f"sqlite:///{tmp_path / 'service.db'}"
    step(url, service, "head")
    sql = index_sql(url)
    assert sql is not None, f"{service}: no {UNPUBLISHED_INDEX}"
    assert "(created_at, id)" in sql and sql.endswith("WHERE published_at IS NULL"), sql
    step(url, service, "-1", down=True)
    assert index_sql(url) is None
    step(url, service, "head")
    assert index_sql(url) == sql

"""Every service's outbox has the relay's partial index (jes_events UNPUBLISHED_INDEX),
made by the service's own migrations: shared by the SQLite and the PostgreSQL test."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from jes_config import SERVICES


def migrations_of(service: str) -> Path:
    module = importlib.import_module(f"jes_{service.replace('-', '_')}.app")
    return Path(module.MIGRATIONS)


def step(url: str, service: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or downgrade) a service's database at `url` to `revision`."""
    config = Config()
    config.set_main_option("script_location", str(migrations_of(service)))
    config.attributes["database_url"] = url
    (command.downgrade if down else command.upgrade)(config, revision)


SERVICES_WITH_OUTBOX = sorted(SERVICES)

"""Autogenerate an Alembic revision for one service from its models.

    .venv/bin/python scripts/new_migration.py identity "add login records"

Upgrades a scratch SQLite database to the current head, then compares it with the
service's metadata. Review the generated file before committing it.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "libs" / "db" / "src" / "jes_db" / "script.py.mako"


def main(service: str, message: str) -> None:
    module = f"jes_{service.replace('-', '_')}"
    location = ROOT / "services" / service / "src" / module / "migrations"
    (location / "versions").mkdir(parents=True, exist_ok=True)
    env = location / "env.py"
    if not env.exists():
        env.write_text(
            f'"""Alembic environment of {service}: its models are the target."""\n\n'
            f"from jes_db.migration_env import run\nfrom {module}.models import metadata\n\n"
            "run(metadata)\n"
        )
    mako = location / "script.py.mako"
    mako.write_text(TEMPLATE.read_text())
    importlib.import_module(f"{module}.models")
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/scratch.db"
        config = Config()
        config.set_main_option("script_location", str(location))
        config.attributes["database_url"] = url
        command.upgrade(config, "head")
        count = len(list((location / "versions").glob("*.py")))
        command.revision(config, message=message, autogenerate=True, rev_id=f"{count + 1:04d}")
    mako.unlink()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

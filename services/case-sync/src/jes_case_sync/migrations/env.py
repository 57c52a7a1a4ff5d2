"""Alembic environment of case-sync: its models are the target."""

from jes_case_sync.models import metadata
from jes_db.migration_env import run

run(metadata)

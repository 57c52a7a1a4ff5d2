"""Alembic environment of identity: its models are the target."""

from jes_db.migration_env import run
from jes_identity.models import metadata

run(metadata)

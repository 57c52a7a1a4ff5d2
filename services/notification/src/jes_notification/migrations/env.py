"""Alembic environment of notification: its models are the target."""

from jes_db.migration_env import run
from jes_notification.models import metadata

run(metadata)

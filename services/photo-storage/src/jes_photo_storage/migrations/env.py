"""Alembic environment of photo-storage: its models are the target."""

from jes_db.migration_env import run
from jes_photo_storage.models import metadata

run(metadata)

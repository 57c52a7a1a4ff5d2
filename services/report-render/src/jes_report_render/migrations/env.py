"""Alembic environment of report-render: its models are the target."""

from jes_db.migration_env import run
from jes_report_render.models import metadata

run(metadata)

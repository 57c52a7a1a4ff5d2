"""Alembic environment of review-workflow: its models are the target."""

import jes_review_workflow.application_models  # noqa: F401  (its tables join the metadata)
from jes_db.migration_env import run
from jes_review_workflow import work_models  # noqa: F401  (its tables on the metadata)
from jes_review_workflow.models import metadata

run(metadata)

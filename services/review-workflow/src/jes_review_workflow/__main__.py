from jes_servicekit import run_alone

from jes_review_workflow.app import NAME, build

run_alone(NAME, build)

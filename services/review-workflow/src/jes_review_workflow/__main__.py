"""`python -m jes_review_workflow` is `jes run --target=review-workflow` (jes_platform runtime)."""

from jes_platform import main_for

main_for("review-workflow")

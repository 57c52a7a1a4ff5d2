"""`python -m jes_notification` is `jes run --target=notification` (jes_platform runtime)."""

from jes_platform import main_for

main_for("notification")

"""`python -m jes_identity` is `jes run --target=identity` (jes_platform runtime)."""

from jes_platform import main_for

main_for("identity")

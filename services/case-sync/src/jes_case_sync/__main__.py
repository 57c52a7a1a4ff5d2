"""`python -m jes_case_sync` is `jes run --target=case-sync` (jes_platform runtime)."""

from jes_platform import main_for

main_for("case-sync")

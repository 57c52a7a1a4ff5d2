"""`python -m jes_report_render` is `jes run --target=report-render` (jes_platform runtime)."""

from jes_platform import main_for

main_for("report-render")

"""Report-render's rules, with no transport, database or renderer: the page layout of the
photo report (layout.py), what a render request must contain, where a report is kept,
and who may render or read one. Everything here raises `jes_domain` errors."""

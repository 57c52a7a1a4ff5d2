"""Case-sync's rules, with no transport and no database: what a case key and a progress
entry pushed by a court system must be, who may follow a case, and who may call what.
Everything here raises `jes_domain` errors."""

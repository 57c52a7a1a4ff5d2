"""Review-workflow's rules, with no transport and no database: a submission's states and
their transitions, what a decision must contain, who may see and decide what, and the
audit actions it records. Everything here raises `jes_domain` errors."""

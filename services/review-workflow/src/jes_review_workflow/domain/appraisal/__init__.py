"""Commissioned appraisers (seed 003): a court's own rules as data (court_rules), the
fee schedule (fees), deadlines (deadlines), the roster and its rotation (rotation, the
hash-chained log in rotation_log) and the disqualification flags (disqualification)."""

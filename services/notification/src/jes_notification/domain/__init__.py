"""Notification's rules, with no transport and no database: which event produces which
mail to whom (the templates stay in templates/), and a delivery's states (queued, sent,
failed) with its retry schedule. Everything here raises `jes_domain` errors."""

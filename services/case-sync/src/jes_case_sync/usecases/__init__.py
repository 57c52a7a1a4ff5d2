"""Case-sync's use cases: each request is one transaction (the change, its audit record,
its events in the outbox)."""

"""Shared helpers of the cross-service tests (importable as `support`)."""

"""Appraiser use cases (seed 003), one transaction each: change, audit record, outbox
event. The rules are in domain/appraisal."""

"""Prometheus metrics of the event library (names from docs/conventions.md).

Defined once here, at import, in the default registry: in the all-in-one process every
service shares them and tells itself apart by the `service` label.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG = Gauge(
    "jes_outbox_backlog",
    "Outbox rows not yet published to the event bus.",
    ["service"],
)
EVENTS_PUBLISHED = Counter(
    "jes_events_published_total",
    "Events the outbox relay published to the event bus.",
    ["service", "topic"],
)
EVENTS_CONSUMED = Counter(
    "jes_events_consumed_total",
    "Events a consumer handled, by outcome (ok, duplicate, retry, dead_letter).",
    ["service", "topic", "outcome"],
)
CONSUMER_LAG = Gauge(
    "jes_consumer_lag",
    "Messages on a topic that the consumer group has not committed yet.",
    ["service", "topic"],
)
DEAD_LETTERS = Counter(
    "jes_dead_letters_total",
    "Events moved to the dead-letter topic after failing every attempt.",
    ["service", "topic"],
)

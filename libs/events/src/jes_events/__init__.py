"""Events for JES with no lost events: transactional outbox, relay, idempotent consumers.

A producing service adds `add_event_tables(metadata)` to its models and migrations, writes
events with `Outbox.add(session, payload, subject)` in the transaction that changes its
state, and runs an `OutboxRelay`. A consuming service runs an `EventConsumer` whose
handlers apply each event in one transaction with the record of its id. The bus comes from
`connect_bus(JES_EVENT_BUS_URL, client_id)`: Kafka, or the embedded SQLite log.
"""

from __future__ import annotations

from jes_events.bus import (
    Bus,
    BusConsumer,
    OutgoingMessage,
    Record,
    connect_bus,
    dead_letter_topic,
)
from jes_events.consumer import BatchHandler, EventConsumer, Handler
from jes_events.outbox import Outbox
from jes_events.relay import OutboxRelay
from jes_events.tables import EventTables, add_event_tables

__all__ = [
    "BatchHandler",
    "Bus",
    "BusConsumer",
    "EventConsumer",
    "EventTables",
    "Handler",
    "Outbox",
    "OutboxRelay",
    "OutgoingMessage",
    "Record",
    "add_event_tables",
    "connect_bus",
    "dead_letter_topic",
]

"""Helpers around the generated code (`jes.*`, made by `make gen`).

`make_envelope` / `open_envelope` wrap event payloads in `jes.events.v1.Envelope`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf.message import Message

try:
    from jes.events.v1.envelope_pb2 import Envelope
except ImportError as exc:  # pragma: no cover - a developer forgot `make gen`
    raise ImportError("generated protobuf code is missing: run `make gen`") from exc

__all__ = ["Envelope", "event_type", "make_envelope", "open_envelope"]


def event_type(payload: Message | type[Message]) -> str:
    return payload.DESCRIPTOR.full_name


def make_envelope(
    payload: Message,
    *,
    source: str,
    subject: str,
    trace_id: str = "",
    event_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    envelope = Envelope(
        id=event_id or str(uuid.uuid4()),
        type=event_type(payload),
        source=source,
        subject=subject,
        trace_id=trace_id,
    )
    envelope.time.FromDatetime(time or datetime.now(UTC))
    envelope.payload.Pack(payload)
    return envelope


def open_envelope(envelope: Envelope, payload_class: type[Message]) -> Message:
    """Unpack the payload; raises ValueError when the envelope holds another type."""
    payload = payload_class()
    if not envelope.payload.Unpack(payload):
        raise ValueError(f"event {envelope.id} holds {envelope.type}, not {event_type(payload)}")
    return payload

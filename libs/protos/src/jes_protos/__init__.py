"""Helpers around the generated code (`jes.*`, made by `make gen`).

`make_envelope` / `open_envelope` wrap event payloads in `jes.events.v1.Envelope`;
`enum_label` / `enum_labels` read the zh-TW label a contract gives an enum value
(`[(jes.options.v1.label) = "草稿"]`), the one place such a label is written.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

try:
    from jes.events.v1.envelope_pb2 import Envelope
    from jes.options.v1 import options_pb2
except ImportError as exc:  # pragma: no cover - a developer forgot `make gen`
    raise ImportError("generated protobuf code is missing: run `make gen`") from exc

PayloadT = TypeVar("PayloadT", bound=Message)

__all__ = [
    "Envelope",
    "enum_label",
    "enum_labels",
    "event_type",
    "make_envelope",
    "open_envelope",
    "timestamp_of",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def enum_label(enum_type: Any, value: int) -> str:
    """The zh-TW label of one value of a generated enum (`enum_label(pb.View, pb.VIEW_FRONT)`);
    "" for an unknown number or a value the contract gives no label."""
    described = enum_type.DESCRIPTOR.values_by_number.get(value)
    if described is None:
        return ""
    return str(described.GetOptions().Extensions[options_pb2.label])


def enum_labels(enum_type: Any, *, unlabelled: bool = False) -> dict[int, str]:
    """Every labelled value of an enum, in declaration order; `unlabelled=True` keeps the
    values without a label (as "")."""
    labels = {
        value.number: enum_label(enum_type, value.number) for value in enum_type.DESCRIPTOR.values
    }
    return labels if unlabelled else {number: text for number, text in labels.items() if text}


def event_type(payload: Message | type[Message]) -> str:
    return payload.DESCRIPTOR.full_name


def timestamp_of(moment: datetime) -> Timestamp:
    """`moment` as a Timestamp, what Timestamp.FromDatetime gives (a naive time taken as
    UTC) without its Python timegm per call: a bulk ingest stamps thousands of events."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    since = moment - _EPOCH
    return Timestamp(seconds=since.days * 86400 + since.seconds, nanos=since.microseconds * 1000)


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
        time=timestamp_of(time or datetime.now(UTC)),
    )
    envelope.payload.Pack(payload)
    return envelope


def open_envelope(envelope: Envelope, payload_class: type[PayloadT]) -> PayloadT:
    """Unpack the payload; raises ValueError when the envelope holds another type."""
    payload = payload_class()
    if not envelope.payload.Unpack(payload):
        raise ValueError(f"event {envelope.id} holds {envelope.type}, not {event_type(payload)}")
    return payload

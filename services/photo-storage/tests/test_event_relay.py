"""The service's outbox relay publishes an event as soon as its transaction commits,
not at its next poll: the poll is only a safety net, and a slow one (each poll is a
database transaction, several services poll, and that cost the all-in-one platform a
fifth of a CPU while it did nothing)."""

from __future__ import annotations

import time

from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes_servicekit import ServiceKit


def published(kit: ServiceKit) -> bool:
    table = kit.event_tables.outbox
    with kit.db.engine.connect() as conn:
        rows = conn.execute(table.select()).all()
    return bool(rows) and all(row.published_at is not None for row in rows)


def test_an_upload_event_is_published_on_commit_not_at_the_next_poll(service):
    kit = service.kit
    photo_set = service.open_set()
    kit.relay.poll_interval = 30.0  # only the wake-up on commit can make it this fast
    kit.relay.start()
    try:
        time.sleep(0.3)  # the relay has published the set's event and is idle
        started = time.monotonic()
        service.upload(photo_set.id)
        while not published(kit) and time.monotonic() - started < 5:
            time.sleep(0.02)
        assert published(kit), "the upload's event is still in the outbox"
        assert time.monotonic() - started < 2.0
    finally:
        kit.relay.stop()
    assert [e.photo.photo_set_id for _, e in service.events(pb.PhotoUploaded)] == [photo_set.id]


def test_the_relay_polls_rarely():
    from jes_events.relay import OutboxRelay

    assert OutboxRelay.__init__.__kwdefaults__["poll_interval"] >= 1.0

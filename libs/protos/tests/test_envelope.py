import pytest

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2
from jes_protos import Envelope, make_envelope, open_envelope


def test_envelope_round_trips_through_bytes():
    payload = identity_pb2.FirmAccountApplied(
        application=identity_pb2.FirmApplication(id="a1", company_name="大華不動產估價")
    )
    envelope = make_envelope(payload, source="identity", subject="a1", trace_id="t-1")
    again = Envelope.FromString(envelope.SerializeToString())
    assert again.type == "jes.identity.v1.FirmAccountApplied"
    assert again.source == "identity" and again.subject == "a1" and again.trace_id == "t-1"
    assert len(again.id) == 36
    opened = open_envelope(again, identity_pb2.FirmAccountApplied)
    assert opened.application.company_name == "大華不動產估價"


def test_open_envelope_refuses_the_wrong_type():
    envelope = make_envelope(identity_pb2.FirmAccountApplied(), source="identity", subject="x")
    with pytest.raises(ValueError, match=r"holds jes\.identity\.v1\.FirmAccountApplied"):
        open_envelope(envelope, photo_storage_pb2.PhotoUploaded)


def test_timestamp_of_is_what_from_datetime_gives():
    """The envelope's time and case-sync's event times are set without the protobuf
    library's Python FromDatetime (timegm per call, 6% of an ingest's use case)."""
    from datetime import UTC, datetime, timedelta, timezone

    from google.protobuf.timestamp_pb2 import Timestamp

    from jes_protos import timestamp_of

    taipei = timezone(timedelta(hours=8))
    for moment in (
        datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 1, 7, 0, 0, 1, tzinfo=taipei),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
        datetime(2026, 11, 30, 8, 0),  # naive: taken as UTC, as FromDatetime does
    ):
        expected = Timestamp()
        expected.FromDatetime(moment)
        assert timestamp_of(moment) == expected

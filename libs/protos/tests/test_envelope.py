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

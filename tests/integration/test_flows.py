"""The walking-skeleton journeys in distributed mode on real Kafka, MinIO, PostgreSQL."""

from __future__ import annotations

from support import flows
from support.distributed import CLERK_EMAIL, FIRM, Distributed


def test_firm_applies(distributed: Distributed):
    flows.firm_applies(distributed.platform())


def test_firm_uploads_and_prints(distributed: Distributed):
    flows.firm_uploads_and_prints(distributed.platform(), FIRM, CLERK_EMAIL)


def test_court_pushes_progress(distributed: Distributed):
    flows.court_pushes_progress(distributed.platform())

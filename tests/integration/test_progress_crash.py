"""Crash and restart in the middle of a burst of progress entries (issue 11), on the real
Kafka, PostgreSQL and SMTP sink with every service in its own process: kill -9 of case-sync
while court systems stream their entries (IngestProgress, one change a message, and
IngestProgressChunks, several a message, over mutual TLS), a restart of the Kafka broker,
and a kill -9 of the broker (its JVM, SIGKILL). Afterwards every entry is stored once,
every follower has each entry in exactly one mail (entries of one case that arrive
together may share a mail), and no Message-ID reaches the SMTP sink twice. (kill -9 of
notification: test_crash.py.)

300 entries over 30 cases, two followers each; the scenarios and assertions are
support/progress_burst.py's, which bench/bench_progress_crash.py runs at the full size
(10,000 entries over 1,000 cases) outside CI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.distributed import Distributed
from support.progress_burst import (
    Burst,
    broker_fault,
    case_sync_killed,
    mark_the_sink,
    restart_killed,
)


@pytest.fixture
def burst(distributed: Distributed) -> Iterator[Burst]:
    """A burst of 300 entries whose 30 cases are followed; and afterwards, whatever a
    test killed runs again, even when the test failed. The court approves four follows
    at once, so a new case's followers are approved side by side."""
    burst = Burst.new(cases=30, entries_per_case=10, batch=10)
    burst.approve_follows(distributed.platform(), workers=4)
    mark_the_sink(distributed, burst)
    yield burst
    restart_killed(distributed)


def test_case_sync_killed_mid_ingest_loses_and_duplicates_nothing(
    distributed: Distributed, burst: Burst
):
    case_sync_killed(distributed, burst, chunk=4)


def test_kafka_restarted_mid_burst_loses_and_duplicates_nothing(
    distributed: Distributed, burst: Burst
):
    broker_fault(distributed, burst, "down")


def test_kafka_killed_mid_burst_loses_and_duplicates_nothing(
    distributed: Distributed, burst: Burst
):
    """SIGKILL of the broker's JVM: no controlled shutdown, so it recovers its logs at
    the next start; the relay's idempotent producer and notification's consumer group
    (its coordinator died with the broker) carry on after it."""
    outcome = broker_fault(distributed, burst, "kill")
    print(outcome.summary())

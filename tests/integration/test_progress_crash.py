"""Crash and restart in the middle of a burst of progress entries (issue 11), on the real
Kafka, PostgreSQL and SMTP sink with every service in its own process: kill -9 of case-sync
while court systems stream their entries (IngestProgress, one change a message, and
IngestProgressChunks, several a message, over mutual TLS), and a restart
of the Kafka broker. Afterwards every entry is stored once, every follower has each entry
in exactly one mail (entries of one case that arrive together may share a mail), and no
Message-ID reaches the SMTP sink twice. (kill -9 of notification: test_crash.py.)

The court system behaves as a real one would: a batch the server acknowledged is done; a
batch without an answer is sent again on a new stream under a new batch id (a batch id is
never reused), and what of it was stored already comes back `unchanged` (idempotent by
the court system's entry id)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
import pytest

from jes.case_sync.v1 import case_sync_pb2, cases_pb2
from support.distributed import Distributed, infra_command, rows
from support.flows import Platform
from support.processes import wait_until

CASES = 30
ENTRIES_PER_CASE = 10
ENTRIES = CASES * ENTRIES_PER_CASE  # 300
BATCH = 10  # changes per stream
BATCHES = ENTRIES // BATCH
FOLLOWERS_PER_CASE = 2
ADDRESSES = 4  # each case followed by two of them
NOTICE_SUBJECT = "【司法院】案件進度更新："
# what the court system takes for "no answer": send the batch again
RETRIED = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.INTERNAL,
}


@dataclass
class Burst:
    """Followed cases of one court and the entries its system will push, round robin over
    the cases (each batch touches ten cases)."""

    run: str
    cases: list[cases_pb2.CaseKey]
    followers: list[list[str]]  # by case
    items: list[str] = field(default_factory=list)  # by entry

    @classmethod
    def new(cls) -> Burst:
        run = uuid.uuid4().hex[:8]
        base = int(uuid.uuid4().int % 800000) + 1
        cases = [
            cases_pb2.CaseKey(
                court_code="TPD",
                category=cases_pb2.CASE_CATEGORY_CIVIL,
                year=113,
                word="訴",
                number=base + i,
            )
            for i in range(CASES)
        ]
        addresses = [f"burst-{run}-{a}@example.com" for a in range(ADDRESSES)]
        followers = [
            [addresses[(c + f) % ADDRESSES] for f in range(FOLLOWERS_PER_CASE)]
            for c in range(CASES)
        ]
        items = [f"進行事項 {run} 第{i}筆" for i in range(ENTRIES)]
        return cls(run, cases, followers, items)

    @property
    def addresses(self) -> list[str]:
        return sorted({a for case in self.followers for a in case})

    def case_of(self, entry: int) -> int:
        return entry % CASES

    def dotted(self, case: int) -> str:
        key = self.cases[case]
        return f"{key.year}.{key.word}.{key.number:06d}"

    def source_id(self, entry: int) -> str:
        return f"{self.run}-{entry}"

    def change(self, entry: int, batch_id: str, sequence: int) -> case_sync_pb2.CaseChange:
        return case_sync_pb2.CaseChange(
            case=self.cases[self.case_of(entry)],
            post=cases_pb2.ProgressEntry(
                source_entry_id=self.source_id(entry),
                posted_on="2026-11-27",
                item=self.items[entry],
            ),
            batch_id=batch_id,
            sequence=sequence,
        )

    def approve_follows(self, platform: Platform) -> None:
        client = platform.court_system("TPD")
        for case, emails in zip(self.cases, self.followers, strict=True):
            for email in emails:
                client.call(
                    "ApproveFollow",
                    case_sync_pb2.ApproveFollowRequest(
                        case=case, email=email, role=cases_pb2.FOLLOWER_ROLE_PARTY
                    ),
                )

    def expected_notices(self) -> Counter[tuple[str, str, str]]:
        """(address, case, item): each entry once in the mail of each of its case's
        followers."""
        return Counter(
            (email, self.dotted(self.case_of(entry)), self.items[entry])
            for entry in range(ENTRIES)
            for email in self.followers[self.case_of(entry)]
        )


class CourtSystem(threading.Thread):
    """The court's system streaming `batches` of the burst (all by default), a batch per
    stream, each batch sent until the server acknowledges it. `hold_batch`: that batch's
    first stream stops half-way (`holding` set) until `release` is set, so a crash finds
    it unacknowledged. `wait_before`: before sending that batch, wait until `go_on` is
    set. `chunk`: send the batch on IngestProgressChunks, that many changes a message
    (else on IngestProgress, one a message)."""

    def __init__(
        self,
        platform: Platform,
        burst: Burst,
        batches: range = range(BATCHES),
        hold_batch: int | None = None,
        wait_before: int | None = None,
        deadline: float = 180,
        chunk: int = 0,
    ):
        super().__init__(daemon=True)
        self.chunk = chunk
        self.client = platform.court_system("TPD")
        self.burst = burst
        self.batches = batches
        self.hold_batch = hold_batch
        self.wait_before = wait_before
        self.holding = threading.Event()
        self.release = threading.Event()
        self.go_on = threading.Event()
        self.deadline = time.monotonic() + deadline
        self.acknowledged: list[tuple[int, str, case_sync_pb2.IngestProgressResponse]] = []
        self.failures: list[grpc.StatusCode] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for batch in self.batches:
                if batch == self.wait_before and not self.go_on.wait(120):
                    raise TimeoutError("the test did not let the court system go on")
                self._send_until_acknowledged(batch)
        except BaseException as error:  # reported by finished()
            self.error = error

    def _stream(self, batch: int, batch_id: str, hold: bool) -> Iterator[case_sync_pb2.CaseChange]:
        for sequence, entry in enumerate(range(batch * BATCH, (batch + 1) * BATCH), start=1):
            if hold and sequence == BATCH // 2 + 1:
                self.holding.set()
                self.release.wait(120)
            yield self.burst.change(entry, batch_id, sequence)

    def _chunks(
        self, changes: Iterator[case_sync_pb2.CaseChange]
    ) -> Iterator[case_sync_pb2.CaseChanges]:
        chunk = case_sync_pb2.CaseChanges()
        for change in changes:
            chunk.changes.append(change)
            if len(chunk.changes) == self.chunk:
                yield chunk
                chunk = case_sync_pb2.CaseChanges()
        if chunk.changes:
            yield chunk

    def _send_until_acknowledged(self, batch: int) -> None:
        attempt = 0
        while True:
            batch_id = f"{self.burst.run}-{batch}-{attempt}"  # never reused
            hold = batch == self.hold_batch and attempt == 0
            try:
                changes = self._stream(batch, batch_id, hold)
                if self.chunk:
                    reply = self.client.stub.IngestProgressChunks(
                        self._chunks(changes), timeout=30, metadata=self.client.metadata()
                    )
                else:
                    reply = self.client.stub.IngestProgress(
                        changes, timeout=30, metadata=self.client.metadata()
                    )
            except grpc.RpcError as error:
                if error.code() not in RETRIED or time.monotonic() > self.deadline:
                    raise
                self.failures.append(error.code())
                attempt += 1
                time.sleep(0.5)
                continue
            self.acknowledged.append((batch, batch_id, reply))
            return

    def finished(self, timeout: float) -> None:
        self.join(timeout)
        assert not self.is_alive(), "the court system did not finish its burst"
        if self.error is not None:
            raise self.error


def assert_stored_once(distributed: Distributed, burst: Burst, *courts: CourtSystem) -> None:
    """Every entry in case-sync once, on its case; every batch acknowledged once, each
    of its changes either created or (sent again) unchanged."""
    acknowledged = sorted(ack for court in courts for ack in court.acknowledged)
    assert [batch for batch, _, _ in acknowledged] == list(range(BATCHES))
    replies = [reply for _, _, reply in acknowledged]
    assert all(reply.received == BATCH for reply in replies)
    created = sum(reply.created for reply in replies)
    unchanged = sum(reply.unchanged for reply in replies)
    assert created + unchanged == ENTRIES
    # only a batch sent again may find its entries stored already
    assert all(
        reply.unchanged == 0 for _, batch_id, reply in acknowledged if batch_id.endswith("-0")
    )
    stored = rows(
        distributed.infra,
        "case_sync",
        "SELECT e.source_entry_id, c.number FROM progress_entries e"
        " JOIN cases c ON c.id = e.case_id WHERE e.source_entry_id LIKE :run",
        run=f"{burst.run}-%",
    )
    assert Counter((source, number) for source, number in stored) == Counter(
        (burst.source_id(e), burst.cases[burst.case_of(e)].number) for e in range(ENTRIES)
    )


def notices_at_the_sink(distributed: Distributed, burst: Burst) -> list[tuple[str, dict]]:
    """(address, mail) of every progress notice the SMTP sink received for the burst."""
    return [
        (address, mail)
        for address in burst.addresses
        for mail in distributed.mails_to(address)
        if mail["subject"].startswith(NOTICE_SUBJECT)
    ]


def notices_in(mails: list[tuple[str, dict]]) -> Counter[tuple[str, str, str]]:
    """(address, case, item) of each entry in the mails; a mail of several entries names
    the case as "113.訴.000123（3 筆）"."""
    return Counter(
        (address, case_in(mail["subject"]), line.removeprefix("登載事項："))
        for address, mail in mails
        for line in mail["body"].splitlines()
        if line.startswith("登載事項：")
    )


def case_in(subject: str) -> str:
    return subject.removeprefix(NOTICE_SUBJECT).split("（", 1)[0]


def assert_mailed_once(distributed: Distributed, burst: Burst) -> None:
    """Each follower has each entry of their cases in exactly one mail, and no mail went
    twice (no Message-ID twice at the sink); notification counts the same."""
    expected = burst.expected_notices()
    wait_until(
        lambda: sum(notices_in(notices_at_the_sink(distributed, burst)).values()) >= len(expected),
        timeout=150,
        every=1,
        what=f"the {len(expected)} notices of the burst at the SMTP sink",
    )
    time.sleep(3)  # anything sent twice would arrive now
    mails = notices_at_the_sink(distributed, burst)
    message_ids = Counter(mail["message_id"] for _, mail in mails)
    twice = sorted(m for m, n in message_ids.items() if n > 1)
    assert not twice, f"{len(twice)} mails reached the sink twice: {twice[:5]}"
    assert notices_in(mails) == expected, "an entry lost or mailed twice to a follower"
    [(recorded, sent)] = rows(
        distributed.infra,
        "notification",
        "SELECT count(*), count(*) FILTER (WHERE status = 'sent') FROM deliveries"
        " WHERE template = 'case_progress' AND recipient LIKE :run",
        run=f"burst-{burst.run}-%",
    )
    assert (recorded, sent) == (len(mails), len(mails))
    [(notices,)] = rows(
        distributed.infra,
        "notification",
        "SELECT count(*) FROM progress_notices WHERE source_entry_id LIKE :run",
        run=f"{burst.run}-%",
    )
    assert notices == len(expected)


@pytest.fixture
def burst(distributed: Distributed) -> Iterator[Burst]:
    """A burst whose cases are followed; and afterwards, whatever a test killed runs
    again, even when the test failed."""
    burst = Burst.new()
    burst.approve_follows(distributed.platform())
    yield burst
    for process in distributed.processes.values():
        if not process.alive():
            process.start()


def test_case_sync_killed_mid_ingest_loses_and_duplicates_nothing(
    distributed: Distributed, burst: Burst
):
    """Two streams at once, as a court system with more than one sender would: one held
    half-way at the kill (IngestProgress, one change a message); the other streams on
    through it (IngestProgressChunks, four changes a message), so the kill finds whatever
    it is doing (a stream open, a transaction committing, events being relayed)."""
    case_sync = distributed.processes["case-sync"]
    platform = distributed.platform()
    half = BATCHES // 2
    held = CourtSystem(platform, burst, range(half), hold_batch=half // 3)
    streaming = CourtSystem(platform, burst, range(half, BATCHES), chunk=4)
    held.start()
    streaming.start()
    assert held.holding.wait(120), "the court system never reached the held batch"
    assert len(held.acknowledged) == half // 3
    case_sync.kill()
    held.release.set()
    assert len(streaming.acknowledged) < half, "the burst ended before the kill"
    case_sync.start()
    held.finished(timeout=180)
    streaming.finished(timeout=60)
    assert held.failures, "the held batch was never refused; the test proves nothing"
    assert_stored_once(distributed, burst, held, streaming)
    assert_mailed_once(distributed, burst)


def test_kafka_restarted_mid_burst_loses_and_duplicates_nothing(
    distributed: Distributed, burst: Burst
):
    court = CourtSystem(distributed.platform(), burst, wait_before=BATCHES // 3, chunk=5)
    court.start()
    wait_until(
        lambda: len(court.acknowledged) == BATCHES // 3,
        timeout=120,
        what="the first third of the burst acknowledged",
    )
    try:
        infra_command("down", "kafka", timeout=120)
        court.go_on.set()
        # ingest never goes offline: the court system's batches are taken with Kafka away
        # (their events wait in case-sync's outbox)
        wait_until(
            lambda: len(court.acknowledged) >= 2 * BATCHES // 3,
            timeout=120,
            what="two thirds of the burst acknowledged while Kafka is down",
        )
    finally:
        infra_command("up-only", "kafka", timeout=300)  # the later tests need it too
    court.finished(timeout=120)
    assert_stored_once(distributed, burst, court)
    assert_mailed_once(distributed, burst)

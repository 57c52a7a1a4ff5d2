"""A burst of progress entries with faults in the middle of it (issue 11), on the real
Kafka, PostgreSQL and SMTP sink with every service in its own process: what
tests/integration/test_progress_crash.py runs at 300 entries over 30 cases and
bench/bench_progress_crash.py at the issue's full size (10,000 entries over 1,000 cases).

The court system behaves as a real one would: a batch the server acknowledged is done; a
batch without an answer is sent again on a new stream under a new batch id (a batch id is
never reused), and what of it was stored already comes back `unchanged` (idempotent by
the court system's entry id).

After each fault the same is asserted: every batch acknowledged once, every entry stored
once, each (follower, case, entry) in exactly one mail, no Message-ID twice at the sink
(after a kill -9 of notification at most the one mail in flight on each SMTP connection),
and notification's deliveries = the mails."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import grpc
import requests

from jes.case_sync.v1 import case_sync_pb2, cases_pb2
from jes_config import DEFAULT_MAIL_CONNECTIONS
from support.distributed import Distributed, infra_command, rows
from support.flows import Platform
from support.processes import ROOT, http_ok, wait_until

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
    the cases (a batch of `batch` changes touches that many cases, up to all of them).
    Each case is followed by `followers_per_case` of `addresses` e-mail addresses."""

    run: str
    cases: list[cases_pb2.CaseKey]
    followers: list[list[str]]  # by case
    items: list[str]  # by entry
    batch: int  # changes per stream
    patience: float = 150  # seconds to wait for the court system, and for the mails
    # the SMTP sink's count of messages before the burst: its mails are listed from
    # there (a sink that kept a day of runs lists hundreds of MB; a poll of it took long
    # enough that the whole burst was mailed before the first "some are out")
    sink_since: int = 0

    @classmethod
    def new(
        cls,
        cases: int = 30,
        entries_per_case: int = 10,
        batch: int = 10,
        followers_per_case: int = 2,
        addresses: int = 4,
    ) -> Burst:
        run = uuid.uuid4().hex[:8]
        base = int(uuid.uuid4().int % 800000) + 1
        keys = [
            cases_pb2.CaseKey(
                court_code="TPD",
                category=cases_pb2.CASE_CATEGORY_CIVIL,
                year=113,
                word="訴",
                number=base + i,
            )
            for i in range(cases)
        ]
        emails = [f"burst-{run}-{a}@example.com" for a in range(addresses)]
        followers = [
            [emails[(c + f) % addresses] for f in range(followers_per_case)] for c in range(cases)
        ]
        entries = cases * entries_per_case
        assert entries % batch == 0, "the batches split the entries evenly"
        items = [f"進行事項 {run} 第{i}筆" for i in range(entries)]
        # a minute a thousand entries beyond the small burst's 150 s (a loaded machine)
        return cls(run, keys, followers, items, batch, patience=max(150.0, 0.06 * entries))

    @property
    def entries(self) -> int:
        return len(self.items)

    @property
    def batches(self) -> int:
        return self.entries // self.batch

    @property
    def addresses(self) -> list[str]:
        return sorted({a for case in self.followers for a in case})

    def case_of(self, entry: int) -> int:
        return entry % len(self.cases)

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

    def approve_follows(self, platform: Platform, workers: int = 1) -> None:
        """The court approves every follow (each sends its own mail); `workers` calls at
        once for the full size."""
        client = platform.court_system("TPD")
        approvals = [
            case_sync_pb2.ApproveFollowRequest(
                case=case, email=email, role=cases_pb2.FOLLOWER_ROLE_PARTY
            )
            for case, emails in zip(self.cases, self.followers, strict=True)
            for email in emails
        ]
        if workers == 1:
            for request in approvals:
                client.call("ApproveFollow", request)
            return
        # Concurrent first approvals of one new case: case-sync creates it once
        # (tests/integration/test_case_page_postgres.py has the interleaving)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda request: client.call("ApproveFollow", request), approvals))

    def expected_notices(self) -> Counter[tuple[str, str, str]]:
        """(address, case, item): each entry once in the mail of each of its case's
        followers."""
        return Counter(
            (email, self.dotted(self.case_of(entry)), self.items[entry])
            for entry in range(self.entries)
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
        batches: range | None = None,
        hold_batch: int | None = None,
        wait_before: int | None = None,
        chunk: int = 0,
    ):
        super().__init__(daemon=True)
        self.chunk = chunk
        self.client = platform.court_system("TPD")
        self.burst = burst
        self.batches = range(burst.batches) if batches is None else batches
        self.hold_batch = hold_batch
        self.wait_before = wait_before
        self.holding = threading.Event()
        self.release = threading.Event()
        self.go_on = threading.Event()
        self.deadline = time.monotonic() + burst.patience
        self.acknowledged: list[tuple[int, str, case_sync_pb2.IngestProgressResponse]] = []
        self.failures: list[grpc.StatusCode] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for batch in self.batches:
                if batch == self.wait_before and not self.go_on.wait(self.burst.patience):
                    raise TimeoutError("the test did not let the court system go on")
                self._send_until_acknowledged(batch)
        except BaseException as error:  # reported by finished()
            self.error = error

    def _stream(self, batch: int, batch_id: str, hold: bool) -> Iterator[case_sync_pb2.CaseChange]:
        size = self.burst.batch
        for sequence, entry in enumerate(range(batch * size, (batch + 1) * size), start=1):
            if hold and sequence == size // 2 + 1:
                self.holding.set()
                self.release.wait(self.burst.patience)
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
    assert [batch for batch, _, _ in acknowledged] == list(range(burst.batches))
    replies = [reply for _, _, reply in acknowledged]
    assert all(reply.received == burst.batch for reply in replies)
    created = sum(reply.created for reply in replies)
    unchanged = sum(reply.unchanged for reply in replies)
    assert created + unchanged == burst.entries
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
        (burst.source_id(e), burst.cases[burst.case_of(e)].number) for e in range(burst.entries)
    )


def mark_the_sink(distributed: Distributed, burst: Burst) -> None:
    """Remember how many messages the SMTP sink holds: the burst's come after them."""
    reply = requests.get(f"{distributed.infra['JES_SMTP_SINK_API']}/health", timeout=60)
    reply.raise_for_status()
    burst.sink_since = int(reply.json()["count"])


def notices_at_the_sink(distributed: Distributed, burst: Burst) -> list[tuple[str, dict]]:
    """(address, mail) of every progress notice the SMTP sink received for the burst, as
    often as the sink received it (one listing of the sink's notices since the burst's
    mark, whoever they went to)."""
    reply = requests.get(
        f"{distributed.infra['JES_SMTP_SINK_API']}/messages",
        params={"subject": NOTICE_SUBJECT, "since": str(burst.sink_since)},
        timeout=60,
    )
    reply.raise_for_status()
    ours = set(burst.addresses)
    return [
        (address, mail)
        for mail in reply.json()
        if mail["subject"].startswith(NOTICE_SUBJECT)
        for address in mail["to"]
        if address in ours
    ]


def notices_in(mails: Iterable[tuple[str, dict]]) -> Counter[tuple[str, str, str]]:
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


@dataclass
class Mailed:
    """What reached the sink: the notices' mails (as often as each arrived) and when."""

    mails: list[tuple[str, dict]]
    distinct: int  # by Message-ID
    resent: int  # mails that reached the sink a second time (same Message-ID)
    received: list[float] = field(default_factory=list)  # each mail's arrival, sorted

    def stopped(self) -> tuple[float, float]:
        """The longest stretch without a mail of the burst between its first and its last
        mail at the sink: (its start in epoch seconds, its length)."""
        gaps = [(b - a, a) for a, b in itertools.pairwise(self.received)]
        if not gaps:
            return (self.received[0] if self.received else 0.0, 0.0)
        length, start = max(gaps)
        return start, length


def received_at(mail: dict[str, Any]) -> float:
    return datetime.fromisoformat(mail["received_at"]).timestamp()


def assert_mailed_once(distributed: Distributed, burst: Burst, resent_at_most: int = 0) -> Mailed:
    """Each follower has each entry of their cases in exactly one mail, and no mail went
    twice (no Message-ID twice at the sink; after a kill -9 of notification at most
    `resent_at_most`: SMTP has no idempotent submit, see test_crash.py); notification
    counts the same."""
    expected = burst.expected_notices()

    def distinct(mails: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
        return list({mail["message_id"]: (address, mail) for address, mail in mails}.values())

    wait_until(
        lambda: (
            sum(notices_in(distinct(notices_at_the_sink(distributed, burst))).values())
            >= len(expected)
        ),
        timeout=burst.patience,
        every=1 if burst.entries <= 1000 else 3,
        what=f"the {len(expected)} notices of the burst at the SMTP sink",
    )
    time.sleep(3)  # anything sent twice would arrive now
    mails = notices_at_the_sink(distributed, burst)
    message_ids = Counter(mail["message_id"] for _, mail in mails)
    twice = sorted(m for m, n in message_ids.items() if n > 1)
    resent = sum(n - 1 for n in message_ids.values())
    assert resent <= resent_at_most, (
        f"{resent} mails reached the sink again (at most {resent_at_most} may): {twice[:5]}"
    )
    mailbox = distinct(mails)  # what a mail client shows
    assert notices_in(mailbox) == expected, "an entry lost or mailed twice to a follower"
    [(recorded, sent)] = rows(
        distributed.infra,
        "notification",
        "SELECT count(*), count(*) FILTER (WHERE status = 'sent') FROM deliveries"
        " WHERE template = 'case_progress' AND recipient LIKE :run",
        run=f"burst-{burst.run}-%",
    )
    assert (recorded, sent) == (len(mailbox), len(mailbox))
    [(notices,)] = rows(
        distributed.infra,
        "notification",
        "SELECT count(*) FROM progress_notices WHERE source_entry_id LIKE :run",
        run=f"{burst.run}-%",
    )
    assert notices == len(expected)
    return Mailed(mails, len(mailbox), resent, sorted(received_at(mail) for _, mail in mails))


def ready_again(distributed: Distributed) -> float:
    """When every service is ready again (the gateway's /readyz), after a restart."""
    wait_until(
        lambda: http_ok(f"{distributed.base_url}/readyz"), timeout=240, what="every service ready"
    )
    return time.time()


# ---- the faults ------------------------------------------------------------------------


@dataclass
class Outcome:
    """A fault's run: when the fault struck and when the part was back, ready (epoch seconds),
    what the court system saw, and the mails."""

    fault: str
    struck: float
    back: float
    retried_batches: int
    mailed: Mailed
    # the broker's faults: items of the entries ingested while Kafka was away
    during: frozenset[str] = frozenset()

    def resumed_after_back(self) -> float | None:
        """The first mail carrying an entry ingested while Kafka was away, in seconds
        after the broker was back (its events waited in case-sync's outbox until then)."""
        if not self.during:
            return None
        firsts = [
            received_at(mail)
            for _, mail in self.mailed.mails
            if any(
                line.removeprefix("登載事項：") in self.during for line in mail["body"].splitlines()
            )
        ]
        return min(firsts) - self.back if firsts else None

    def stop_at_fault(self) -> float:
        """How long mail stopped at the fault: from the last mail of the burst before it
        (or the fault, if none had come) to the first one after it."""
        before = [t for t in self.mailed.received if t <= self.struck]
        after = [t for t in self.mailed.received if t > self.struck]
        return after[0] - (before[-1] if before else self.struck) if after else 0.0

    def summary(self) -> dict[str, Any]:
        start, length = self.mailed.stopped()
        first, last = self.mailed.received[0], self.mailed.received[-1]
        return {
            "mail_stop_at_fault_s": self.stop_at_fault(),
            "mails_before_fault": sum(t <= self.struck for t in self.mailed.received),
            "mail_of_entries_ingested_during_fault_after_back_s": self.resumed_after_back(),
            "fault": self.fault,
            "down_s": self.back - self.struck,
            "retried_batches": self.retried_batches,
            "mails": len(self.mailed.mails),
            "distinct_mails": self.mailed.distinct,
            "resent_mails": self.mailed.resent,
            "first_mail_after_fault_s": first - self.struck,
            "last_mail_after_fault_s": last - self.struck,
            "longest_mail_stop_s": length,
            "mail_stop_began_after_fault_s": start - self.struck,
        }


def case_sync_killed(distributed: Distributed, burst: Burst, chunk: int = 4) -> Outcome:
    """kill -9 of case-sync mid-ingest. Two streams at once, as a court system with more
    than one sender would: one held half-way at the kill (IngestProgress, one change a
    message); the other streams on through it (IngestProgressChunks, `chunk` changes a
    message), so the kill finds whatever it is doing (a stream open, a transaction
    committing, events being relayed)."""
    case_sync = distributed.processes["case-sync"]
    platform = distributed.platform()
    half = burst.batches // 2
    held = CourtSystem(platform, burst, range(half), hold_batch=half // 3)
    streaming = CourtSystem(platform, burst, range(half, burst.batches), chunk=chunk)
    held.start()
    streaming.start()
    assert held.holding.wait(burst.patience), "the court system never reached the held batch"
    assert len(held.acknowledged) == half // 3
    struck = time.time()
    case_sync.kill()
    held.release.set()
    assert len(streaming.acknowledged) < burst.batches - half, "the burst ended before the kill"
    case_sync.start()
    back = ready_again(distributed)
    held.finished(timeout=burst.patience)
    streaming.finished(timeout=burst.patience)
    assert held.failures, "the held batch was never refused; the test proves nothing"
    assert_stored_once(distributed, burst, held, streaming)
    mailed = assert_mailed_once(distributed, burst)
    retried = len(held.failures) + len(streaming.failures)
    return Outcome("kill -9 case-sync", struck, back, retried, mailed)


def notification_killed(distributed: Distributed, burst: Burst, chunk: int = 20) -> Outcome:
    """kill -9 of notification while it mails the burst: some mails are out, most are
    not. After the restart at most the mail in flight on each SMTP connection goes again
    (same Message-ID), and every follower has each entry once."""
    notification = distributed.processes["notification"]
    court = CourtSystem(distributed.platform(), burst, chunk=chunk)
    court.start()
    wait_until(
        lambda: len(notices_at_the_sink(distributed, burst)) >= 10,
        timeout=burst.patience,
        every=0.05,
        what="the first mails of the burst",
    )
    struck = time.time()
    notification.kill()
    out = notices_in(notices_at_the_sink(distributed, burst))
    assert sum(out.values()) < len(burst.expected_notices()), "the mails were out before the kill"
    notification.start()
    back = ready_again(distributed)
    court.finished(timeout=burst.patience)
    assert_stored_once(distributed, burst, court)
    mailed = assert_mailed_once(distributed, burst, resent_at_most=DEFAULT_MAIL_CONNECTIONS)
    return Outcome("kill -9 notification", struck, back, len(court.failures), mailed)


def broker_fault(
    distributed: Distributed, burst: Burst, how: str = "down", chunk: int = 5
) -> Outcome:
    """The Kafka broker stopped (`how="down"`: SIGTERM, a clean shutdown) or killed
    (`how="kill"`: SIGKILL of its JVM, then KRaft's log recovery at the start) after a
    third of the burst, and started again once two thirds are in: ingest never goes
    offline (the batches are taken with Kafka away, their events wait in case-sync's
    outbox); the relay's idempotent producer and notification's consumer group carry on
    after the restart."""
    third = burst.batches // 3
    court = CourtSystem(distributed.platform(), burst, wait_before=third, chunk=chunk)
    court.start()
    wait_until(
        lambda: len(court.acknowledged) == third,
        timeout=burst.patience,
        what="the first third of the burst acknowledged",
    )
    struck = time.time()
    try:
        infra_command(how, "kafka", timeout=120)
        court.go_on.set()
        wait_until(
            lambda: len(court.acknowledged) >= 2 * third,
            timeout=burst.patience,
            what="two thirds of the burst acknowledged while Kafka is down",
        )
    finally:
        infra_command("up-only", "kafka", timeout=300)  # the later tests need it too
    back = time.time()
    if how == "kill":
        assert "Recovering unflushed segment" in broker_start_log(), (
            "the broker did not recover its logs at the start: it was not killed"
        )
    court.finished(timeout=burst.patience)
    assert_stored_once(distributed, burst, court)
    mailed = assert_mailed_once(distributed, burst)
    name = "kill -9 of the Kafka broker" if how == "kill" else "Kafka broker restart"
    during = frozenset(
        burst.items[entry] for entry in range(third * burst.batch, 2 * third * burst.batch)
    )
    return Outcome(name, struck, back, len(court.failures), mailed, during)


def broker_start_log() -> str:
    """The Kafka broker's log since its last start (deploy/local/infra.sh's
    var/infra/kafka.log; each start begins with a "===== ... starting kafka" line)."""
    log = (ROOT / "var" / "infra" / "kafka.log").read_text(errors="replace")
    return log.rsplit("===== ", 1)[-1]


FAULTS: dict[str, Callable[[Distributed, Burst], Outcome]] = {
    "case-sync": case_sync_killed,
    "notification": notification_killed,
    "kafka-kill": lambda distributed, burst: broker_fault(distributed, burst, "kill"),
    "kafka-restart": lambda distributed, burst: broker_fault(distributed, burst, "down"),
}


def restart_killed(distributed: Distributed) -> None:
    """Whatever a fault killed runs again (after a failed test too)."""
    for process in distributed.processes.values():
        if not process.alive():
            process.start()

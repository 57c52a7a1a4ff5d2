"""From ingest to the mail (issue 11): a burst of progress entries over followed cases,
pushed by a court system on IngestProgress streams (with --chunk N on
IngestProgressChunks, N changes a message: the form the README gives court systems for a
large batch) into all-in-one JES (or, with --distributed, every service in its own
process on this checkout's Kafka, PostgreSQL and SMTP sink: `deploy/local/infra.sh up`
first); each entry's latency is the time from its
push to the mail that carries it landing in the mailbox (all-in-one: the file's mtime;
distributed: the SMTP sink's received_at). Target: p95 ≤ 5 s for 10,000 entries over
1,000 cases.

In-run baseline: the same measurement for single entries, one at a time, on an idle
platform before the burst (the floor: case-sync, the event bus, notification's 2 s
batching window, the mail sender)."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any, Protocol

import requests
from common import (
    load_note,
    machine_cpu,
    machine_cpu_between,
    scheduler_seconds,
    summary,
    table,
    write_results,
)
from sqlalchemy import create_engine, text

from jes.case_sync.v1 import case_events_pb2, case_sync_pb2, cases_pb2
from jes_protos import Envelope
from support.allinone import running_all_in_one

STAGES = [
    ("ingest: push → case-sync's commit (outbox row)", "pushed", "committed"),
    ("relay: commit → published to the bus", "committed", "published"),
    ("bus + consumer: published → notice recorded", "published", "recorded"),
    ("batching window: recorded → due", "recorded", "due"),
    ("composer: due → composed (hold)", "due", "composed"),
    ("sender: composed → sent", "composed", "sent"),
    ("sink: received − sent (marked after the sink took it)", "sent", "received"),
    ("end to end: push → received", "pushed", "received"),
]

ADDED = case_events_pb2.ProgressEntriesAdded.DESCRIPTOR.full_name
ITEM = re.compile(r"登載事項：(bench-[0-9a-f]+-\d+-\d+)")
POSTED_ON = "2026-11-20"


def case_key(number: int) -> cases_pb2.CaseKey:
    return cases_pb2.CaseKey(
        court_code="TPD", category=cases_pb2.CASE_CATEGORY_CIVIL, year=115, word="訴", number=number
    )


class Mailbox:
    """The all-in-one mailbox folder: when each entry's first mail landed (file mtime)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.seen: set[str] = set()
        self.arrived: dict[str, float] = {}
        self.mails = 0

    def scan(self) -> None:
        for path in self.folder.glob("*.eml") if self.folder.exists() else []:
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            landed = path.stat().st_mtime
            items = ITEM.findall(plain_text(path.read_bytes()))
            self.mails += bool(items)  # a progress mail (not a follow's approval)
            for item in items:
                self.arrived.setdefault(item, landed)

    def wait_for(self, items: set[str], timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline and not items <= self.arrived.keys():
            self.scan()
            # a file's mtime is its arrival, whenever it is read: in a burst, read less
            # often (every listing of the folder costs CPU the platform is measured on)
            time.sleep(0.1 if len(items) == 1 else 1.0)


def plain_text(raw: bytes) -> str:
    """A mail's text/plain parts, decoded. Parsed with the email package's compat32
    policy (~0.1 ms a mail; policy.default took ~2-4 ms, and reading a burst's 2,000-3,000
    mails that way took as much CPU as the platform under test, on the same 2 CPUs)."""
    message = message_from_bytes(raw)
    texts = []
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(texts)


class Arrivals(Protocol):
    arrived: dict[str, float]
    mails: int

    def scan(self) -> None: ...

    def wait_for(self, items: set[str], timeout: float) -> None: ...


class SinkMailbox:
    """The SMTP sink (distributed mode): when each entry's first mail was received
    (the sink's received_at), from the sink's HTTP API; only this run's addresses."""

    def __init__(self, api: str, run: str):
        self.api = api
        self.marker = f"bench-{run}-"
        self.seen = 0  # the sink lists oldest first: records before this index are read
        self.arrived: dict[str, float] = {}
        self.mails = 0

    def scan(self) -> None:
        # only the records after those read (the whole listing, every 2 s, was half the
        # sink's CPU in a burst: the sink's Python also answers the SMTP connections)
        reply = requests.get(f"{self.api}/messages", params={"since": self.seen}, timeout=60)
        reply.raise_for_status()
        records = reply.json()
        for record in records:
            if not any(self.marker in address for address in record.get("to", [])):
                continue
            landed = datetime.fromisoformat(record["received_at"]).timestamp()
            items = ITEM.findall(record.get("body", ""))
            self.mails += bool(items)  # a progress mail (not a follow's approval)
            for item in items:
                self.arrived.setdefault(item, landed)
        self.seen += len(records)

    def wait_for(self, items: set[str], timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline and not items <= self.arrived.keys():
            self.scan()
            time.sleep(0.2 if len(items) == 1 else 2.0)  # the burst: fewer big listings


def _seconds(value: Any) -> float:
    if isinstance(value, str):  # SQLite: ISO text
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def _rows(url: str, query: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query), params))
    finally:
        engine.dispose()


def stage_times(
    case_sync_url: str,
    notification_url: str,
    run: str,
    pushed: dict[str, float],
    arrived: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Each burst entry's timestamps along the way, from the rows: case-sync's outbox
    (created, published), notification's notice (created, due) and its mail (created,
    sent); the push and the arrival as the benchmark saw them. The services' clocks are
    this machine's, so the stages add up."""
    notices = _rows(
        notification_url,
        "SELECT n.source_entry_id, n.event_id, n.created_at, n.due_at, d.created_at, d.sent_at"
        " FROM progress_notices n LEFT JOIN deliveries d ON d.id = n.delivery_id"
        " WHERE n.source_entry_id LIKE :pattern",
        pattern=f"bench-{run}-%",
    )
    outbox = {}  # the entry's source id: its ProgressEntriesAdded's commit and publish
    for value, created, published in _rows(
        case_sync_url, "SELECT value, created_at, published_at FROM outbox"
    ):
        envelope = Envelope.FromString(value)
        if envelope.type == ADDED:
            event = case_events_pb2.ProgressEntriesAdded()
            envelope.payload.Unpack(event)
            for added in event.entries:
                outbox[added.entry.source_entry_id] = (created, published)
    times: dict[str, dict[str, float]] = {}
    for item, _event, recorded, due, composed, sent in notices:
        if item not in pushed or item not in outbox:
            continue
        committed, published = outbox[item]
        stamps = {
            "pushed": pushed[item],
            "committed": _seconds(committed),
            "recorded": _seconds(recorded),
            "due": _seconds(due),
        }
        for name, value in (("published", published), ("composed", composed), ("sent", sent)):
            if value is not None:
                stamps[name] = _seconds(value)
        if item in arrived:
            stamps["received"] = arrived[item]
        # one follower a case: the earliest notice of an entry is the one mailed first
        if item not in times or stamps.get("sent", 1e18) < times[item].get("sent", 1e18):
            times[item] = stamps
    return times


def breakdown(times: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    result = {}
    for label, start, end in STAGES:
        values = [t[end] - t[start] for t in times.values() if start in t and end in t]
        if values:
            result[label] = summary(values)
    return result


@contextlib.contextmanager
def distributed_platform(
    folder: Path, run: str, mail_connections: int | None, notification_replicas: int = 1
) -> Iterator[tuple[Any, Arrivals, tuple[str, str], dict[str, int]]]:
    from support.distributed import Distributed, infra_settings, pg_url, reset_databases

    infra = infra_settings()
    reset_databases(infra)
    settings = {} if mail_connections is None else {"JES_MAIL_CONNECTIONS": str(mail_connections)}
    stack = Distributed(
        infra, folder, settings=settings, replicas={"notification": notification_replicas}
    )
    stack.start()
    try:
        sink = SinkMailbox(infra["JES_SMTP_SINK_API"], run)
        sink.seen = requests.get(f"{sink.api}/health", timeout=60).json()["count"]
        urls = (pg_url(infra, "case_sync"), pg_url(infra, "notification"))
        pids = {
            name: process.popen.pid
            for name, process in stack.processes.items()
            if name.startswith(("case-sync", "notification")) and process.popen is not None
        }
        yield stack.platform().court_system("TPD"), sink, urls, pids
    finally:
        stack.stop()


@contextlib.contextmanager
def all_in_one_platform(
    folder: Path,
) -> Iterator[tuple[Any, Arrivals, tuple[str, str], dict[str, int]]]:
    with running_all_in_one(folder) as platform:
        urls = (f"sqlite:///{folder}/case-sync.db", f"sqlite:///{folder}/notification.db")
        pids = {"jes (all)": platform.process.popen.pid}  # type: ignore[attr-defined]
        yield platform.court_system("TPD"), Mailbox(folder / "mailbox"), urls, pids


def follow(court, numbers: list[int], run: str) -> None:
    for number in numbers:
        court.call(
            "ApproveFollow",
            case_sync_pb2.ApproveFollowRequest(
                case=case_key(number),
                email=f"bench-{run}-{number}@example.com",
                role=cases_pb2.FOLLOWER_ROLE_PARTY,
            ),
        )


def baseline(court, mailbox: Arrivals, numbers: list[int], run: str) -> list[float]:
    latencies = []
    for number in numbers:
        item = f"bench-{run}-{number}-0"
        entry = cases_pb2.ProgressEntry(source_entry_id=item, posted_on=POSTED_ON, item=item)
        pushed = time.time()
        court.call(
            "PushProgress", case_sync_pb2.PushProgressRequest(case=case_key(number), entry=entry)
        )
        mailbox.wait_for({item}, timeout=60)
        latencies.append(mailbox.arrived[item] - pushed)
    return latencies


def burst(
    court, numbers: list[int], per_case: int, streams: int, batch: int, run: str, chunk: int = 0
) -> tuple[dict[str, float], float]:
    """Entries interleaved over the cases (as courts post them through the day), from
    `streams` court-system threads at once, each sending its share as IngestProgress
    calls of `batch` entries (a call is all or nothing: its entries commit together when
    it ends, so an entry's latency includes the wait for the rest of its call); with
    `chunk`, on IngestProgressChunks, that many changes a stream message (the bulk form).
    Returns each item's push time (when it was handed to gRPC) and the burst's duration."""
    pushed: dict[str, float] = {}
    items = [
        (number, k) for k in range(1, per_case + 1) for number in numbers
    ]  # round robin over the cases
    shares = [items[i::streams] for i in range(streams)]

    def changes(calls: list[tuple[int, int]]) -> Iterator[case_sync_pb2.CaseChange]:
        batch_id = uuid.uuid4().hex
        for sequence, (number, k) in enumerate(calls, start=1):
            item = f"bench-{run}-{number}-{k}"
            pushed[item] = time.time()
            yield case_sync_pb2.CaseChange(
                case=case_key(number),
                post=cases_pb2.ProgressEntry(source_entry_id=item, posted_on=POSTED_ON, item=item),
                batch_id=batch_id,
                sequence=sequence,
            )

    def chunks(calls: list[tuple[int, int]]) -> Iterator[case_sync_pb2.CaseChanges]:
        message = case_sync_pb2.CaseChanges()
        for change in changes(calls):
            message.changes.append(change)
            if len(message.changes) == chunk:
                yield message
                message = case_sync_pb2.CaseChanges()
        if message.changes:
            yield message

    def push(share: list[tuple[int, int]]) -> None:
        for start in range(0, len(share), batch):
            calls = share[start : start + batch]
            if chunk:
                court.stub.IngestProgressChunks(chunks(calls), timeout=600)
            else:
                court.stub.IngestProgress(changes(calls), timeout=600)

    started = time.time()
    threads = [threading.Thread(target=push, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return pushed, time.time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--streams", type=int, default=4, help="court-system threads at once")
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="entries per IngestProgress call (0: each thread's whole share in one call)",
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=0,
        help="changes per message on IngestProgressChunks (0: IngestProgress, one a message)",
    )
    parser.add_argument("--baseline", type=int, default=10, help="single entries before the burst")
    parser.add_argument(
        "--distributed",
        action="store_true",
        help="services as separate processes on this checkout's Kafka, PostgreSQL, SMTP sink",
    )
    parser.add_argument(
        "--mail-connections",
        type=int,
        help="distributed: notification's SMTP connections (JES_MAIL_CONNECTIONS; default 4)",
    )
    parser.add_argument(
        "--notification-replicas",
        type=int,
        default=1,
        help="distributed: notification processes (pods) sharing its database and consumer group",
    )
    args = parser.parse_args()
    per_case = max(1, args.entries // args.cases)
    run = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="jes-bench-mail-") as folder:
        data = Path(folder)
        platform = (
            distributed_platform(data, run, args.mail_connections, args.notification_replicas)
            if args.distributed
            else all_in_one_platform(data)
        )
        with platform as (court, mailbox, urls, pids):
            numbers = list(range(1, args.cases + 1))
            calm = list(range(args.cases + 1, args.cases + 1 + args.baseline))
            follow(court, numbers + calm, run)
            time.sleep(3)  # the approvals' own mails, if any, out of the way
            floor = baseline(court, mailbox, calm, run)
            cpu_before = {name: scheduler_seconds(pid) for name, pid in pids.items()}
            machine_before = machine_cpu()
            started = time.time()
            batch = args.batch or -(-len(numbers) * per_case // args.streams)
            pushed, ingest_seconds = burst(
                court, numbers, per_case, args.streams, batch, run, args.chunk
            )
            cpu_ingest = {name: scheduler_seconds(pid) for name, pid in pids.items()}
            mailbox.wait_for(set(pushed), timeout=600)
            cpu_after = {name: scheduler_seconds(pid) for name, pid in pids.items()}
            machine_after = machine_cpu()
            to_last_mail = time.time() - started
            mailbox.scan()
            try:
                stages = breakdown(stage_times(*urls, run, pushed, mailbox.arrived))
            except Exception as error:  # the figures above still count
                print(f"no breakdown: {error!r}")
                stages = {}
    missing = set(pushed) - mailbox.arrived.keys()
    burst_mails = mailbox.mails - len(floor)  # the progress mails after the baseline's
    latencies = [mailbox.arrived[i] - pushed[i] for i in pushed if i in mailbox.arrived]
    burst_s = summary(latencies)
    floor_s = summary(floor)
    ok = burst_s["p95"] <= 5.0 and not missing
    mode = "distributed" if args.distributed else "all-in-one"
    results = {
        "mode": mode,
        "cases": args.cases,
        "entries": len(pushed),
        "streams": args.streams,
        "batch": args.batch,
        "chunk": args.chunk,
        "mail_connections": args.mail_connections,
        "notification_replicas": args.notification_replicas,
        "ingest_seconds": ingest_seconds,
        "entries_per_second_ingested": len(pushed) / ingest_seconds,
        "mails": burst_mails,
        "missing": len(missing),
        "latency_s": burst_s,
        "baseline_single_entry_latency_s": floor_s,
        "target_p95_s": 5.0,
        "pass": ok,
        "stages_s": stages,
        # CPU seconds (and seconds runnable but waiting for a CPU) of the service processes
        # while the burst was pushed, and from the push's end to the last mail
        "cpu_s": {
            name: {
                "ingest_running": cpu_ingest[name][0] - cpu_before[name][0],
                "ingest_waiting": cpu_ingest[name][1] - cpu_before[name][1],
                "after_running": cpu_after[name][0] - cpu_ingest[name][0],
                "after_waiting": cpu_after[name][1] - cpu_ingest[name][1],
            }
            for name in pids
        },
        # every process's CPU from the burst's start to the last mail (the machine's CPUs
        # give at most `seconds` × CPUs): who shares the CPUs with the platform
        "machine_cpu_s": {
            "seconds": round(to_last_mail, 2),
            "cpus": os.cpu_count(),
            **machine_cpu_between(machine_before, machine_after),
        },
    }
    print(
        "ingest to mail, distributed mode (a process per service, PostgreSQL, Kafka, SMTP sink)"
        if args.distributed
        else "ingest to mail, all-in-one mode (one process, SQLite, embedded bus, mailbox)"
    )
    print(
        table(
            ["", "entries", "p50 s", "p95 s", "max s"],
            [
                [
                    "baseline: one entry at a time, idle",
                    len(floor),
                    floor_s["median"],
                    floor_s["p95"],
                    floor_s["max"],
                ],
                [
                    f"burst over {args.cases} cases",
                    len(latencies),
                    burst_s["median"],
                    burst_s["p95"],
                    burst_s["max"],
                ],
            ],
        )
    )
    print(
        f"ingest {len(pushed)} entries in {ingest_seconds:.1f} s "
        f"({len(pushed) / ingest_seconds:.0f}/s on {args.streams} streams, "
        f"{args.batch or 'all'} a call, "
        f"{f'{args.chunk} a message' if args.chunk else 'one a message'}); "
        f"{burst_mails} mails of the burst "
        f"(entries per mail {len(latencies) / max(1, burst_mails):.1f}); "
        f"missing {len(missing)}; p95 / baseline p95 {burst_s['p95'] / floor_s['p95']:.1f}"
    )
    print("where the burst's time went, per entry (from the services' rows):")
    print(
        table(
            ["stage", "entries", "p50 s", "p95 s", "max s"],
            [[label, s["n"], s["median"], s["p95"], s["max"]] for label, s in stages.items()],
        )
    )
    print("CPU of the service processes (from /proc/<pid>/task/*/schedstat), seconds:")
    print(
        table(
            ["process", "on CPU, push", "waiting, push", "on CPU, to last mail", "waiting, after"],
            [
                [
                    name,
                    c["ingest_running"],
                    c["ingest_waiting"],
                    c["after_running"],
                    c["after_waiting"],
                ]
                for name, c in results["cpu_s"].items()
            ],
        )
    )
    machine = results["machine_cpu_s"]
    print(
        f"CPU of every process from the burst's start to the last mail ({machine['seconds']} s"
        f" on {machine['cpus']} CPUs: at most {machine['seconds'] * (machine['cpus'] or 1):.1f}"
        " CPU seconds), seconds:"
    )
    print(
        table(
            ["process", "CPU s"],
            [[k, v] for k, v in machine.items() if k not in ("seconds", "cpus")],
        )
    )
    print(f"target p95 ≤ 5 s: {'PASS' if ok else 'MISS'}; {load_note()}")
    name = "progress_mail_distributed" if args.distributed else "progress_mail"
    print(f"results: {write_results(name, results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

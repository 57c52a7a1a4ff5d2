"""Issue 11: progress entries ingested per second, sustained, into PostgreSQL with their
events (each case's ProgressEntriesAdded in the outbox, in the entries' transaction).

Case-sync is built in this process (its own `build()`, real mutual TLS, gRPC) on this
checkout's PostgreSQL (`bash deploy/local/infra.sh up` first) in a database of its own,
`bench_case_sync` (created when missing, emptied at the start); the outbox relay stays
off, so the events stay in the outbox where they were written (the relay to Kafka is
another process's work in distributed mode). Court systems are `--streams` client
processes, each sending streams of `--stream` entries (new entries for `--cases` cases,
a tenth of them followed), the messages built before the clock starts: first on
`IngestProgress` (one change a message, the in-run baseline of the protocol), then, back
to back, the same number on `IngestProgressChunks` in chunks of `--chunk` changes a
message (`--chunk 0`: the first only).

The in-run baseline of the database: the same number of rows written by plain
SQLAlchemy Core executemany, an entry row and an outbox row (same sizes) per entry, one
transaction per `--stream` rows, on as many connections at once: what PostgreSQL itself
takes here.

    .venv/bin/python bench/bench_case_ingest.py [--entries 60000] [--streams 2] [--chunk 500]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, load_note, postgres_up, scheduler_seconds, table, write_results

DATABASE = "bench_case_sync"
TARGET = 5000.0  # entries per second, sustained
COURTS = ("TPD", "KLD", "KSD", "PCD")


def infra() -> dict[str, str]:
    from support.distributed import infra_settings

    return infra_settings()


def fresh_database(settings: dict[str, str]) -> str:
    from sqlalchemy import create_engine, text

    from support.distributed import pg_url

    admin = create_engine(pg_url(settings, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        existing = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
        if DATABASE not in existing:
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    url = pg_url(settings, DATABASE)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


# -- the court systems (client processes) --------------------------------------------------


def court_system(
    pki: str,
    addr: str,
    court: str,
    streams: int,
    size: int,
    cases: int,
    chunk: int,
    start: Any,
    done: Any,
) -> None:
    """Send `streams` streams of `size` new entries each, once `start` is set (`chunk`
    changes a message on IngestProgressChunks, 0: one a message on IngestProgress); put
    the number created on `done`."""
    sys.path.insert(0, str(ROOT / "tests"))
    from jes.case_sync.v1 import case_sync_pb2 as pb
    from jes.case_sync.v1 import case_sync_pb2_grpc, cases_pb2
    from support import callers

    client = callers.client(
        Path(pki), addr, case_sync_pb2_grpc.CaseSyncServiceStub, court_system_of=court
    )
    batches = []
    run = uuid.uuid4().hex[:8]
    for b in range(streams):
        batch_id = f"{court}-{run}-{b}"
        messages = []
        for i in range(size):
            n = b * size + i
            messages.append(
                pb.CaseChange(
                    case=cases_pb2.CaseKey(
                        court_code=court,
                        category=cases_pb2.CASE_CATEGORY_CIVIL,
                        year=115,
                        word="訴",
                        number=n % cases + 1,
                    ),
                    post=cases_pb2.ProgressEntry(
                        source_entry_id=f"{batch_id}-{i}",
                        posted_on="2026-11-20",
                        item=f"115/12/0{1 + n % 9} 10:00第{1 + n % 12}法庭言詞辯論（第 {n} 筆）",
                    ),
                    batch_id=batch_id,
                    sequence=i + 1,
                )
            )
        if chunk:
            batches.append(
                [
                    pb.CaseChanges(changes=messages[at : at + chunk])
                    for at in range(0, len(messages), chunk)
                ]
            )
        else:
            batches.append(messages)
    rpc = client.stub.IngestProgressChunks if chunk else client.stub.IngestProgress
    start.wait()
    running0, waiting0 = scheduler_seconds()
    created = 0
    for stream in batches:
        reply = rpc(iter(stream), metadata=client.metadata(), timeout=600)
        created += reply.created
    running1, waiting1 = scheduler_seconds()
    done.put((created, running1 - running0, waiting1 - waiting0))


def ingest(
    pki: Path, addr: str, streams: int, per_client: int, size: int, cases: int, chunk: int
) -> tuple[float, int, tuple[float, float]]:
    """Wall seconds, entries created with `streams` court systems at once, and the
    clients' seconds on a CPU and waiting for one (summed)."""
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    workers = [
        context.Process(
            target=court_system,
            args=(
                str(pki),
                addr,
                COURTS[k % len(COURTS)],
                per_client,
                size,
                cases,
                chunk,
                start,
                done,
            ),
        )
        for k in range(streams)
    ]
    for worker in workers:
        worker.start()
    time.sleep(3 + per_client * size / 20000)  # the clients build their messages
    began = time.perf_counter()
    start.set()
    reports = [done.get(timeout=1800) for _ in workers]
    elapsed = time.perf_counter() - began
    for worker in workers:
        worker.join()
    created = sum(r[0] for r in reports)
    return elapsed, created, (sum(r[1] for r in reports), sum(r[2] for r in reports))


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (case-sync's pool)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
        ).scalars()
        found = list(pids)
    engine.dispose()
    return found


def backends_seconds(pids: list[int]) -> tuple[float, float]:
    times = [scheduler_seconds(pid) for pid in pids]
    return sum(t[0] for t in times), sum(t[1] for t in times)


# -- the baseline: plain executemany ---------------------------------------------------------


def baseline(url: str, streams: int, rows: int, size: int) -> float:
    """Seconds to write `rows` entry rows and `rows` outbox rows with plain executemany."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, pool_size=streams + 1)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE baseline_entries (id varchar(36) primary key, case_id varchar(36),"
                " source_entry_id varchar(64), posted_on date, item text, ingested_at timestamptz)"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE baseline_outbox (id varchar(64) primary key, topic varchar(255),"
                " key varchar(255), value bytea, created_at timestamptz, published_at timestamptz)"
            )
        )
    payload = os.urandom(420)  # about an envelope with its entry and a follower

    def write(part: int) -> None:
        for start in range(0, rows // streams, size):
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO baseline_entries VALUES (:id, :case_id, :source, "
                        "'2026-11-20', :item, now())"
                    ),
                    [
                        {
                            "id": str(uuid.uuid4()),
                            "case_id": str(uuid.uuid4()),
                            "source": f"{part}-{start}-{i}",
                            "item": f"115/12/01 10:00第1法庭言詞辯論（第 {i} 筆）",
                        }
                        for i in range(size)
                    ],
                )
                conn.execute(
                    text(
                        "INSERT INTO baseline_outbox VALUES (:id, 'jes.case-sync.events', :key,"
                        " :value, now(), NULL)"
                    ),
                    [
                        {"id": uuid.uuid4().hex, "key": str(uuid.uuid4()), "value": payload}
                        for _ in range(size)
                    ],
                )

    threads = [threading.Thread(target=write, args=(k,)) for k in range(streams)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE baseline_entries"))
        conn.execute(text("DROP TABLE baseline_outbox"))
    engine.dispose()
    return elapsed


# -- the run -----------------------------------------------------------------------------------


def follow_some(url: str, cases: int) -> None:
    """A tenth of the cases followed (their events carry a follower)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        for court in COURTS:
            rows = [
                {"id": str(uuid.uuid4()), "court": court, "number": n} for n in range(1, cases + 1)
            ]
            conn.execute(
                text(
                    "INSERT INTO cases (id, court_code, category, year, word, number, created_at,"
                    " status, division, cause, last_changed_at)"
                    " VALUES (:id, :court, '民事', 115, '訴', :number, now(), 'pending', '', '',"
                    " now())"
                ),
                rows,
            )
            conn.execute(
                text(
                    "INSERT INTO followers (id, case_id, email, role, created_at, account_id,"
                    " account_username, status, applicant_name, application_id, approved_by,"
                    " revoke_reason) VALUES (:fid, :id, :email, '當事人', now(), '', '', 'active',"
                    " '', '', '', '')"
                ),
                [
                    {
                        "fid": str(uuid.uuid4()),
                        "id": r["id"],
                        "email": f"f{r['number']}@example.com",
                    }
                    for r in rows[::10]
                ],
            )
    engine.dispose()


class NoIdentity:
    """Ingest never asks identity (follows and readers do)."""

    def open_account(self, *args: Any) -> Any:
        raise RuntimeError("not in this benchmark")

    def reader(self, *args: Any) -> Any:
        raise RuntimeError("not in this benchmark")


@dataclass
class Run:
    """One timed ingest: wall seconds, entries created, the server's CPU seconds
    (process clock) and each party's (on a CPU, runnable) seconds."""

    label: str
    chunk: int
    seconds: float
    created: int
    server_cpu: float
    server: tuple[float, float]
    clients: tuple[float, float]
    backends: tuple[float, float]

    @property
    def rate(self) -> float:
        return self.created / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.server_cpu / self.created * 1e6


def timed(label: str, chunk: int, url: str, pki: Path, addr: str, args: argparse.Namespace) -> Run:
    per_client = max(1, args.entries // (args.streams * args.stream))
    backends = backend_pids(url)
    cpu0 = time.process_time()
    server0, backends0 = scheduler_seconds(), backends_seconds(backends)
    elapsed, created, clients = ingest(
        pki, addr, args.streams, per_client, args.stream, args.cases, chunk
    )
    server_cpu = time.process_time() - cpu0
    server1, backends1 = scheduler_seconds(), backends_seconds(backends)
    return Run(
        label,
        chunk,
        elapsed,
        created,
        server_cpu,
        (server1[0] - server0[0], server1[1] - server0[1]),
        clients,
        (backends1[0] - backends0[0], backends1[1] - backends0[1]),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=60_000, help="entries per mode")
    parser.add_argument("--streams", type=int, default=2, help="court systems at once")
    parser.add_argument("--stream", type=int, default=1000, help="entries per stream")
    parser.add_argument("--cases", type=int, default=5000, help="cases per court")
    parser.add_argument(
        "--chunk",
        type=int,
        default=500,
        help="changes per message on IngestProgressChunks (0: IngestProgress only)",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from sqlalchemy import create_engine, text

    from jes_case_sync.app import build
    from support.services import embedded_config, pki_of

    settings = infra()
    if not postgres_up(settings):
        print("skipped: needs this checkout's PostgreSQL (bash deploy/local/infra.sh up)")
        return 0
    url = fresh_database(settings)
    work = Path(tempfile.mkdtemp(prefix="bench-case-ingest-"))
    config = embedded_config("case-sync", work, JES_DATABASE_URL=url)
    kit = build(config, identity_port=NoIdentity(), metrics=False)
    kit.grpc.start()  # the relay stays off: the events stay in the outbox
    addr = f"127.0.0.1:{kit.grpc.port}"
    follow_some(url, args.cases)
    pki = pki_of(work)
    modes = [("IngestProgress (1 a message)", 0)]
    if args.chunk:
        modes.append((f"IngestProgressChunks ({args.chunk} a message)", args.chunk))
    runs = []
    try:
        for _, chunk in modes:  # warm-up
            ingest(pki, addr, args.streams, 1, args.stream, args.cases, chunk)
        runs = [timed(label, chunk, url, pki, addr, args) for label, chunk in modes]
    finally:
        kit.grpc.stop(0)
    engine = create_engine(url)
    with engine.connect() as conn:
        events = conn.execute(
            text("SELECT count(*) FROM outbox WHERE value IS NOT NULL")
        ).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM progress_entries")).scalar_one()
    engine.dispose()
    kit.db.dispose()
    created = runs[-1].created
    base = baseline(url, args.streams, created, args.stream)
    base_rate = created / base
    rows = [
        [
            f"case-sync {run.label}",
            run.created,
            f"{run.seconds:.1f}",
            f"{run.rate:.0f}",
            f"{run.cpu_us:.0f}",
            f"{run.rate / base_rate:.2f}",
        ]
        for run in runs
    ]
    rows.append(
        ["baseline: plain executemany", created, f"{base:.1f}", f"{base_rate:.0f}", "-", "1"]
    )
    print(table(["run", "entries", "seconds", "entries/s", "server CPU µs/entry", "ratio"], rows))
    print(f"events in the outbox: {events} (entries stored: {entries}, warm-ups included)")
    print(
        "where the time went (threads summed; runnable = waiting for a CPU):\n"
        + table(
            ["run", "case-sync CPU / runnable s", f"court systems ({args.streams})", "PG backends"],
            [
                [
                    run.label,
                    f"{run.server[0]:.1f} / {run.server[1]:.1f}",
                    f"{run.clients[0]:.1f} / {run.clients[1]:.1f}",
                    f"{run.backends[0]:.1f} / {run.backends[1]:.1f}",
                ]
                for run in runs
            ],
        )
    )
    best = runs[-1]
    verdict = "PASS" if best.rate >= TARGET else "MISS"
    print(
        f"target ≥ {TARGET:.0f} entries/s sustained: {verdict} ({best.rate:.0f},"
        f" {best.label}); {load_note()}"
    )
    path = write_results(
        "case-ingest",
        {
            "streams": args.streams,
            "stream_size": args.stream,
            "runs": [
                {
                    "rpc": run.label,
                    "chunk": run.chunk,
                    "entries": run.created,
                    "seconds": run.seconds,
                    "entries_per_second": run.rate,
                    "server_cpu_us_per_entry": run.cpu_us,
                    "scheduler_seconds": {
                        "server": run.server,
                        "clients": run.clients,
                        "postgres_backends": run.backends,
                    },
                    "ratio_to_baseline": run.rate / base_rate,
                }
                for run in runs
            ],
            "baseline_seconds": base,
            "baseline_entries_per_second": base_rate,
            "events_in_outbox": events,
            "target": TARGET,
            "verdict": verdict,
        },
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

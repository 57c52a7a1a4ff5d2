"""Issue 11: case-sync's own CPU per ingested entry, without gRPC: the use case
(`Ingest.apply`: the reads, the entries by COPY, the events into the outbox, the audit
record, one transaction) on this checkout's PostgreSQL, and apart from it the parsing and
checking of each message (`change_input`, `change_problems`, `require_covered`).

Batches of `--stream` new entries over 5,000 cases of one court (a tenth followed), on the
database `bench_case_sync` (emptied at the start, as bench_case_ingest.py does); each part
timed by the calling thread's CPU clock (`time.thread_time`: waiting for PostgreSQL is not
counted), the first two batches left out. Min and median over the batches: on a shared
machine the min is the steadier figure. Compare two versions of the code in the same
minutes (e.g. `PYTHONPATH=<an older checkout's src folders>` for the other one).

    .venv/bin/python bench/bench_case_ingest_usecase.py [--batches 14] [--stream 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_case_ingest as ingest_bench
from common import ROOT, postgres_up

CASES = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=14)
    parser.add_argument("--stream", type=int, default=1000, help="entries per batch")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from jes.case_sync.v1 import case_sync_pb2 as pb
    from jes.case_sync.v1 import cases_pb2
    from jes_case_sync.app import build
    from jes_case_sync.domain.cases import require_covered
    from jes_case_sync.domain.changes import change_problems
    from jes_case_sync.grpc_messages import change_input
    from jes_case_sync.usecases.common import Infrastructure
    from jes_case_sync.usecases.ingest import Ingest
    from jes_db.audit import Actor
    from support.services import embedded_config

    settings = ingest_bench.infra()
    if not postgres_up(settings):
        print("skipped: needs this checkout's PostgreSQL (bash deploy/local/infra.sh up)")
        return 0
    url = ingest_bench.fresh_database(settings)
    config = embedded_config(
        "case-sync", Path(tempfile.mkdtemp(prefix="bench-usecase-")), JES_DATABASE_URL=url
    )
    kit = build(config, identity_port=ingest_bench.NoIdentity(), metrics=False)
    ingest_bench.follow_some(url, CASES)
    ingest = Ingest(Infrastructure(kit.db, kit.outbox))
    actor = Actor("court-system:TPD", "court-system")
    run = uuid.uuid4().hex[:8]
    today = date(2026, 11, 30)
    parse_us: list[float] = []
    apply_us: list[float] = []
    for batch in range(args.batches):
        batch_id = f"{run}-{batch}"
        wire = [
            pb.CaseChange(
                case=cases_pb2.CaseKey(
                    court_code="TPD",
                    category=cases_pb2.CASE_CATEGORY_CIVIL,
                    year=115,
                    word="訴",
                    number=(batch * args.stream + i) % CASES + 1,
                ),
                post=cases_pb2.ProgressEntry(
                    source_entry_id=f"{batch_id}-{i}",
                    posted_on="2026-11-20",
                    item=f"115/12/0{1 + i % 9} 10:00第{1 + i % 12}法庭言詞辯論（第 {i} 筆）",
                ),
                batch_id=batch_id,
                sequence=i + 1,
            ).SerializeToString()
            for i in range(args.stream)
        ]
        began = time.thread_time()
        changes = []
        for raw in wire:
            change = change_input(pb.CaseChange.FromString(raw))
            valid, problems = change_problems(change, today)
            require_covered(change.key)
            assert valid is not None, problems
            changes.append(valid)
        parsed = time.thread_time()
        ingest.apply("TPD", changes, actor=actor, batch_id=batch_id)
        applied = time.thread_time()
        if batch >= 2:
            parse_us.append((parsed - began) / args.stream * 1e6)
            apply_us.append((applied - parsed) / args.stream * 1e6)
    kit.db.dispose()
    for name, values in (
        ("parse and check each message", parse_us),
        ("use case (Ingest.apply)", apply_us),
    ):
        median = statistics.median(values)
        print(f"{name}: CPU µs per entry min {min(values):.0f}, median {median:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

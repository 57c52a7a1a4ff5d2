"""Issue 11's crash tests at the full size: a burst of 10,000 progress entries over 1,000
followed cases with a fault in the middle of it, in distributed mode (every service in
its own process on this checkout's Kafka, PostgreSQL and SMTP sink:
`deploy/local/infra.sh up` first; the service databases are emptied at the start).

The faults are tests/integration/test_progress_crash.py's and test_crash.py's, with the
same assertions (tests/support/progress_burst.py): kill -9 of case-sync mid-ingest, kill
-9 of notification while it mails, kill -9 of the Kafka broker (SIGKILL of its JVM) and a
restart of it (SIGTERM), each on a burst of its own. Afterwards every batch is
acknowledged once, every entry stored once, each (follower, case, entry) in exactly one
mail, no Message-ID twice at the sink (after a kill -9 of notification at most the mail
in flight on each SMTP connection), and deliveries = mails. A failed assertion ends the
run with its message.

Printed for each fault: the counts, how long the part was down (until it was ready
again), and how long mail stopped: at the fault (from the last mail of the burst at the
sink before it, or the fault if none had come, to the first after it) and the longest
stretch without one between the burst's first and last mail. In-run baseline: the same
burst with no fault (`none`), run first: its "fault" is the burst's start."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import load_note, postgres_up, table, write_results

from support.distributed import Distributed, infra_settings, reset_databases
from support.progress_burst import (
    FAULTS,
    Burst,
    CourtSystem,
    Outcome,
    assert_mailed_once,
    assert_stored_once,
    mark_the_sink,
    restart_killed,
)


def no_fault(distributed: Distributed, burst: Burst) -> Outcome:
    """The baseline: the same burst, streamed as the faults' court systems stream it."""
    court = CourtSystem(distributed.platform(), burst, chunk=20)
    started = time.time()
    court.start()
    court.finished(timeout=burst.patience)
    assert_stored_once(distributed, burst, court)
    mailed = assert_mailed_once(distributed, burst)
    return Outcome("none (baseline)", started, started, len(court.failures), mailed)


RUNS = {"none": no_fault, **FAULTS}


@contextlib.contextmanager
def distributed_stack(folder: Path) -> Iterator[Distributed]:
    infra = infra_settings()
    reset_databases(infra)
    stack = Distributed(infra, folder)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="changes per stream")
    parser.add_argument("--followers", type=int, default=1, help="followers per case")
    parser.add_argument("--addresses", type=int, default=100, help="followers' e-mail addresses")
    parser.add_argument("--approvers", type=int, default=4, help="ApproveFollow calls at once")
    parser.add_argument("--faults", nargs="+", choices=list(RUNS), default=list(RUNS))
    args = parser.parse_args()
    if not postgres_up(infra_settings()):
        print("skipped: needs this checkout's stack (bash deploy/local/infra.sh up)")
        return 0
    per_case = max(1, args.entries // args.cases)
    results: list[dict[str, Any]] = []
    failed = []
    with tempfile.TemporaryDirectory(prefix="jes-bench-crash-") as folder:
        with distributed_stack(Path(folder)) as stack:
            for fault in args.faults:
                burst = Burst.new(
                    cases=args.cases,
                    entries_per_case=per_case,
                    batch=args.batch,
                    followers_per_case=args.followers,
                    addresses=args.addresses,
                )
                began = time.time()
                burst.approve_follows(stack.platform(), workers=args.approvers)
                time.sleep(3)  # the approvals' own mails out of the way
                mark_the_sink(stack, burst)
                print(
                    f"{fault}: {burst.entries} entries over {len(burst.cases)} cases, "
                    f"{len(burst.expected_notices())} notices to {len(burst.addresses)} "
                    f"addresses (follows approved in {time.time() - began:.0f} s)",
                    flush=True,
                )
                try:
                    outcome = RUNS[fault](stack, burst)
                except Exception as error:
                    traceback.print_exc()
                    failed.append(fault)
                    results.append({"fault": fault, "error": repr(error)})
                    restart_killed(stack)
                    continue
                finally:
                    print(f"  ({load_note()})", flush=True)
                record = {**outcome.summary(), "run_s": time.time() - began}
                record["load"] = load_note()
                results.append(record)
                print(f"  {record}", flush=True)
    rows = [
        [
            r["fault"],
            r["distinct_mails"],
            r["resent_mails"],
            r["retried_batches"],
            r["down_s"],
            r["mails_before_fault"],
            r["mail_stop_at_fault_s"],
            r["longest_mail_stop_s"],
            r["mail_of_entries_ingested_during_fault_after_back_s"] or "-",
            r["mail_stop_began_after_fault_s"],
            r["last_mail_after_fault_s"],
        ]
        for r in results
        if "error" not in r
    ]
    print(
        f"crash and restart mid-burst, distributed: {args.entries} entries over "
        f"{args.cases} cases, {args.followers} follower(s) a case; all assertions held"
        f" except in: {', '.join(failed) or 'none'}"
    )
    print(
        table(
            [
                "fault",
                "mails",
                "resent",
                "batches retried",
                "down s",
                "mails before",
                "stop at fault s",
                "longest stop s",
                "resumed after back s",
                "stop began s",
                "last mail s",
            ],
            rows,
        )
    )
    print(
        "(down: until the part was ready again; stop at fault: from the last mail before the"
        " fault, or the fault, to the first after it; longest stop: between any two mails of"
        " the burst; resumed after back: the first mail of an entry ingested while Kafka was"
        " away, after the broker was back; stop began, last mail: s after the fault; the"
        " baseline's fault is the burst's start)"
    )
    print(load_note())
    print(f"results: {write_results('progress_crash', {'runs': results, 'args': vars(args)})}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One round of review-workflow's reminder sweep (`DeadlineReminders.run_once`) on its
database, run as its own process, as a second replica would run it; prints how many
reminders it sent. The day is given, as the clock of the round: in a test of the whole
platform no work row's last day falls within the reminder's days of today.

    python reminder_sweep.py <database url> <day> [--hold SECONDS] [--on-go]

`--hold`: once the round has found rows due (and locked them), it keeps its transaction
open that long, saying "locked" on stdout first, so another round runs meanwhile.
`--on-go`: imported and connected, it says "ready" and waits for a line on stdin before
the round (a process's start takes seconds: longer than a hold should be)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime

from sqlalchemy import text

from jes_db import Database, utcnow
from jes_events import Outbox
from jes_review_workflow.appraisal.work_queries import DeadlineReminders
from jes_review_workflow.models import event_tables
from jes_servicekit import topic_of


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("day", type=date.fromisoformat)
    parser.add_argument("--hold", type=float, default=0.0)
    parser.add_argument("--on-go", action="store_true")
    args = parser.parse_args()

    def clock() -> datetime:
        if args.hold:
            print("locked", flush=True)
            time.sleep(args.hold)
        return utcnow()

    db = Database(args.url)
    # no relay here: review-workflow's own relay publishes the rows this round adds
    outbox = Outbox(event_tables, source="review-workflow", topic=topic_of("review-workflow"))
    try:
        if args.on_go:
            with db.transaction() as session:
                session.execute(text("SELECT 1"))
            print("ready", flush=True)
            sys.stdin.readline()
        sent = DeadlineReminders(db, outbox, clock=clock).run_once(args.day)
    finally:
        db.dispose()
    print(f"sent {sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A consumer process killed with SIGKILL mid-stream applies every event exactly once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from jes_events import Outbox, OutboxRelay

TOPIC = "jes.identity.events"
EVENTS = 200
SCRIPT = Path(__file__).with_name("crash_consumer.py")


def applied(db_path: Path) -> tuple[int, int]:
    """(effect rows, distinct event ids) in the consumer's database, 0s if not created yet."""
    if not db_path.exists():
        return 0, 0
    with sqlite3.connect(db_path, timeout=30) as conn:
        try:
            return conn.execute("SELECT count(*), count(DISTINCT event_id) FROM effects").fetchone()
        except sqlite3.OperationalError:  # the child has not created the table yet
            return 0, 0


def start_consumer(tmp_path: Path, db_path: Path, group: str, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            str(db_path),
            str(tmp_path / "bus.db"),
            group,
            TOPIC,
            str(EVENTS),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_sigkill_during_consumption_loses_and_repeats_nothing(tmp_path, producer, bus, payload):
    outbox = Outbox(producer.tables, "identity", TOPIC)
    ids = set()
    for n in range(EVENTS):
        with producer.db.transaction() as session:
            ids.add(outbox.add(session, payload(n), subject=f"agg-{n % 7}").id)
    relay = OutboxRelay(producer.db, producer.tables, bus, producer.name)
    while relay.run_once():
        pass

    db_path = tmp_path / "consumer.db"
    group = "notification"
    log_path = tmp_path / "consumer.log"
    with log_path.open("ab") as log:
        for kill_at in (20, 80, 150):
            child = start_consumer(tmp_path, db_path, group, log)
            deadline = time.monotonic() + 60
            while applied(db_path)[0] < kill_at:
                assert child.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the consumer made no progress"
                time.sleep(0.005)
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            assert child.returncode == -signal.SIGKILL
            count, distinct = applied(db_path)
            assert kill_at <= count < EVENTS, "killed too late to test anything"
            assert count == distinct

        child = start_consumer(tmp_path, db_path, group, log)
        assert child.wait(120) == 0, log_path.read_text()

    with sqlite3.connect(db_path) as conn:
        effects = [row[0] for row in conn.execute("SELECT event_id FROM effects")]
        processed = {
            row[0]
            for row in conn.execute(
                "SELECT event_id FROM processed_events WHERE consumer_group = ?", (group,)
            )
        }
    assert len(effects) == EVENTS
    assert len(set(effects)) == EVENTS  # no event applied twice
    assert set(effects) == ids == processed

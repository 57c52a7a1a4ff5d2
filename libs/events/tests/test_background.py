"""BackgroundLoop: rounds, sleeps cut short by notify(), failures, stop."""

from __future__ import annotations

import threading
import time

from jes_events.background import BackgroundLoop, doubling


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_notify_cuts_the_sleep_short():
    rounds: list[float] = []
    loop = BackgroundLoop(
        "t", lambda: rounds.append(time.monotonic()) or 60.0, after_failure=lambda _: 60.0
    )
    loop.start()
    try:
        wait_until(lambda: len(rounds) == 1)
        loop.notify()
        wait_until(lambda: len(rounds) == 2)
    finally:
        loop.stop()
    assert rounds[1] - rounds[0] < 5


def test_a_notify_during_a_round_is_kept():
    in_round = threading.Event()
    release = threading.Event()
    count = 0

    def round() -> float:
        nonlocal count
        count += 1
        if count == 1:
            in_round.set()
            release.wait(5)
        return 60.0

    loop = BackgroundLoop("t", round, after_failure=lambda _: 60.0)
    loop.start()
    try:
        assert in_round.wait(5)
        loop.notify()  # while the first round runs
        release.set()
        wait_until(lambda: count == 2)
    finally:
        loop.stop()


def test_a_failed_round_releases_backs_off_and_is_not_woken_by_notify():
    failures_seen: list[int] = []
    released: list[bool] = []
    calls = 0

    def round() -> float:
        nonlocal calls
        calls += 1
        raise RuntimeError("the database is away")

    def after_failure(failures: int) -> float:
        failures_seen.append(failures)
        return 60.0

    loop = BackgroundLoop(
        "t", round, after_failure=after_failure, on_failure=lambda: released.append(True)
    )
    loop.start()
    try:
        wait_until(lambda: failures_seen == [1])
        loop.notify()
        time.sleep(0.2)
        assert calls == 1  # still backing off
        assert released == [True]
    finally:
        started = time.monotonic()
        loop.stop()
    assert time.monotonic() - started < 5  # stop() cuts the backoff short


def test_failures_in_a_row_count_up_and_reset_after_a_success():
    outcomes = iter([False, False, True, False])
    failures_seen: list[int] = []
    done = threading.Event()

    def round() -> float:
        ok = next(outcomes, None)
        if ok is None:
            done.set()
            return 60.0
        if not ok:
            raise RuntimeError("failed")
        return 0.0

    def after_failure(failures: int) -> float:
        failures_seen.append(failures)
        return 0.0

    loop = BackgroundLoop("t", round, after_failure=after_failure)
    loop.start()
    try:
        assert done.wait(5)
    finally:
        loop.stop()
    assert failures_seen == [1, 2, 1]


def test_stop_finishes_the_round_in_hand_then_runs_on_exit_once():
    exits: list[bool] = []
    in_round = threading.Event()
    rounds_seen_stopping: list[bool] = []
    loop: BackgroundLoop

    def round() -> float:
        in_round.set()
        loop.sleep(0.2)  # cut short by stop()
        rounds_seen_stopping.append(loop.stopping)
        return 0.0

    loop = BackgroundLoop(
        "t", round, after_failure=lambda _: 0.0, on_exit=lambda: exits.append(True)
    )
    loop.start()
    loop.start()  # already running: no second thread
    assert in_round.wait(5)
    loop.stop()
    assert exits == [True]
    assert rounds_seen_stopping[-1] is True
    assert [t.name for t in threading.enumerate()].count("t") == 0


def test_doubling_waits():
    wait = doubling(0.5, 10.0)
    assert [wait(n) for n in (1, 2, 3, 5, 9)] == [1.0, 2.0, 4.0, 10.0, 10.0]

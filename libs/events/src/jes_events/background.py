"""One background thread that runs a round of work again and again: after each round it
sleeps until `notify()` is called, the round's wait has passed, or `stop()` is called.

The services' background workers (the outbox relay's and event consumer's threads here;
notification's composer and mail sender, case-sync's cut-off sweeper, review-workflow's
decision worker) are all this loop; they differ only in their round and in how long to
wait after a round and after a failure. It lives in jes_events, the lowest library that
runs threads, and jes_servicekit offers it to the services.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("jes.background")


def doubling(first: float, most: float) -> Callable[[int], float]:
    """A wait after the n-th failure in a row: first, 2 × first, 4 × first … at most `most`."""
    return lambda failures: min(first * 2**failures, most)


class BackgroundLoop:
    """`round()` returns how long to sleep before the next round (0: at once); if it
        raises, the error is logged and the loop sleeps `after_failure(failures in a row)`
    (only stop() cuts that sleep short).

        A `notify()` that arrives during a round is kept: the loop then starts the next round
        at once instead of sleeping. `on_failure` runs after a failed round (release what the
        round held), `on_exit` once when the thread stops.
    """

    def __init__(
        self,
        name: str,
        round: Callable[[], float],
        *,
        after_failure: Callable[[int], float],
        on_failure: Callable[[], None] | None = None,
        on_exit: Callable[[], None] | None = None,
        logger: logging.Logger = log,
    ):
        self.name = name
        self.round = round
        self.after_failure = after_failure
        self.on_failure = on_failure
        self.on_exit = on_exit
        self.log = logger
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopping(self) -> bool:
        """True once stop() was called: a long round should finish what it holds and return."""
        return self._stop.is_set()

    def sleep(self, seconds: float) -> bool:
        """Sleep inside a round, cut short by stop(); True if stopping."""
        return self._stop.wait(seconds)

    def notify(self) -> None:
        """Run the next round now (or right after the round in progress)."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the round in hand and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        self.log.info("%s: started", self.name)
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()  # before the work: a notify() during the round is kept
            try:
                wait = self.round()
                failures = 0
            except Exception:
                failures += 1
                self.log.exception("%s: a round failed (attempt %d)", self.name, failures)
                if self.on_failure is not None:
                    self.on_failure()
                # not cut short by notify(): while the database or the bus is away, new
                # work arriving must not turn the backoff into a busy loop
                self._stop.wait(self.after_failure(failures))
                continue
            if wait > 0 and not self._stop.is_set():
                self._wake.wait(wait)
        if self.on_exit is not None:
            self.on_exit()
        self.log.info("%s: stopped", self.name)

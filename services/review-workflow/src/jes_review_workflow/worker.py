"""The decision worker: a background thread that carries out every recorded decision the
request that recorded it did not finish (the owning service away, a crash, a restart).

Each round takes the decisions whose next attempt is due, claims each (a lease in the
database, so replicas and a restarted process never work on one decision at once) and
makes one attempt (carry_out.py). A decision is tried again, with longer pauses, until it
is applied or refused for good.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from jes_db import utcnow
from jes_review_workflow.carry_out import CarryOutDecisions

log = logging.getLogger("jes.review_workflow.worker")


class DecisionWorker:
    def __init__(
        self,
        carry_out: CarryOutDecisions,
        *,
        poll_interval: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.carry_out = carry_out
        self.poll_interval = poll_interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, now: datetime | None = None) -> int:
        """One round: how many decisions were attempted."""
        now = now or self.clock()
        attempted = 0
        for kind, key in self.carry_out.due(now):
            if self._stop.is_set():
                break
            if self.carry_out.claim(kind, key, now):
                attempted += 1
                self.carry_out.attempt(kind, key)
        return attempted

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="review-decision-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the attempt in hand and stop; the rest is resumed at the next start."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        log.info("decision worker: started")
        failures = 0
        while not self._stop.is_set():
            try:
                self.run_once()
                failures = 0
            except Exception:
                # The database is away: the decisions stay recorded, try again later.
                failures += 1
                log.exception("decision worker: a round failed (attempt %d)", failures)
            self._stop.wait(min(self.poll_interval * 2**failures, 30.0))
        log.info("decision worker: stopped")

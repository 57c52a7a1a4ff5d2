"""The decision worker: a background thread that carries out every recorded decision the
request that recorded it did not finish (the owning service away, a crash, a restart).

Each round takes the decisions whose next attempt is due, claims each (a lease in the
database, so replicas and a restarted process never work on one decision at once) and
makes one attempt (carry_out.py). A decision is tried again, with longer pauses, until it
is applied or refused for good.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from jes_db import utcnow
from jes_review_workflow.carry_out import CarryOutDecisions
from jes_servicekit.background import BackgroundLoop, doubling

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
        # the database away: the decisions stay recorded, try again later
        self._loop = BackgroundLoop(
            "review-decision-worker",
            self._round,
            after_failure=doubling(poll_interval, 30.0),
            logger=log,
        )

    def run_once(self, now: datetime | None = None) -> int:
        """One round: how many decisions were attempted."""
        now = now or self.clock()
        attempted = 0
        for kind, key in self.carry_out.due(now):
            if self._loop.stopping:
                break
            if self.carry_out.claim(kind, key, now):
                attempted += 1
                self.carry_out.attempt(kind, key)
        return attempted

    def _round(self) -> float:
        self.run_once()
        return self.poll_interval

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the attempt in hand and stop; the rest is resumed at the next start."""
        self._loop.stop(timeout)

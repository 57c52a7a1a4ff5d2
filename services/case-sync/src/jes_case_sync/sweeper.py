"""The cut-off sweep in the background: a thread that runs it every minute (a date is
announced within a minute of midnight, Taipei time, or of the status change that set it).
"""

from __future__ import annotations

import logging

from jes_case_sync.usecases.cut_off import CutOffSweep
from jes_servicekit.background import BackgroundLoop

log = logging.getLogger("jes.case_sync.sweeper")


class CutOffSweeper:
    def __init__(self, sweep: CutOffSweep, *, interval: float = 60.0):
        self.sweep = sweep
        self.interval = interval
        # a failed round (the database away) leaves the dates due: the next one announces them
        self._loop = BackgroundLoop(
            "cut-off-sweeper", self._round, after_failure=lambda _: self.interval, logger=log
        )

    def _round(self) -> float:
        while self.sweep.run() and not self._loop.stopping:
            pass  # a full batch: there may be more
        return self.interval

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._loop.stop(timeout)

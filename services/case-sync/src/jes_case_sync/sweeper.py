"""The cut-off sweep in the background: a thread that runs it every minute (a date is
announced within a minute of midnight, Taipei time, or of the status change that set it).
"""

from __future__ import annotations

import logging
import threading

from jes_case_sync.usecases.cut_off import CutOffSweep

log = logging.getLogger("jes.case_sync.sweeper")


class CutOffSweeper:
    def __init__(self, sweep: CutOffSweep, *, interval: float = 60.0):
        self.sweep = sweep
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cut-off-sweeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while self.sweep.run() and not self._stop.is_set():
                    pass  # a full batch: there may be more
            except Exception:
                # the database is away: the dates stay due, the next round announces them
                log.exception("cut-off sweep: a round failed")
            self._stop.wait(self.interval)

"""The reminder sweep's thread: every `interval` seconds (and at start) it reminds the
appraisers of the work rows whose last day is near (appraisal/work_queries). A round
that fails (the database away) is tried at the next tick; the rows stay unreminded."""

from __future__ import annotations

import logging
import threading

from jes_review_workflow.appraisal.work_queries import DeadlineReminders

log = logging.getLogger("jes.review_workflow.reminders")


class ReminderWorker:
    def __init__(self, reminders: DeadlineReminders, *, interval: float = 3600.0):
        self.reminders = reminders
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="appraisal-reminders", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.reminders.run_once()
                if sent:
                    log.info("appraisal reminders: %d sent", sent)
            except Exception:
                log.exception("appraisal reminders: a round failed")
            self._stop.wait(self.interval)

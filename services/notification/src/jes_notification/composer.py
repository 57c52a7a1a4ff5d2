"""The component that turns due progress notices into mails (progress_notices.compose_due)
and wakes the mail sender. It sleeps until the next notice falls due, or until the
handlers say new notices were recorded."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from jes_db import Database, utcnow
from jes_notification import progress_notices
from jes_notification.domain.mails import Links

log = logging.getLogger("jes.notification.composer")

# Shortest sleep: a notice due "now" is composed at once, without spinning.
MIN_WAIT = 0.05


class NoticeComposer:
    def __init__(
        self,
        db: Database,
        links: Links,
        *,
        on_composed: Callable[[], None] | None = None,
        poll: float = 5.0,
    ):
        self.db = db
        self.links = links
        self.on_composed = on_composed
        self.poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self) -> None:
        self._wake.set()

    def run_once(self, now: datetime | None = None) -> int:
        composed = progress_notices.compose_due(self.db, self.links, now)
        if composed and self.on_composed is not None:
            self.on_composed()
        return composed

    def _wait_seconds(self) -> float:
        due = progress_notices.next_due(self.db)
        if due is None:
            return self.poll
        return max(MIN_WAIT, min(self.poll, (due - utcnow()).total_seconds()))

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="notice-composer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the work: a notify() during it is kept
            wait = self.poll
            try:
                self.run_once()
                wait = self._wait_seconds()
            except Exception:
                log.exception("notice composer failed; retrying")
            self._wake.wait(wait)

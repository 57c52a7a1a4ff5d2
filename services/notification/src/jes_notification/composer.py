"""The component that turns due progress notices into mails (progress_notices.compose_due)
and wakes the mail sender. It sleeps until the next notice falls due, or until the
handlers say new notices were recorded.

While the event consumer is behind (a burst's backlog), composing waits, at most
HOLD_AT_MOST seconds: the backlog holds more entries of the same cases, and composing as
each falls due would mail a case's entries one by one, each mail slowing the drain."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from jes_db import Database, utcnow
from jes_notification import progress_notices
from jes_notification.domain.mails import Links
from jes_servicekit.background import BackgroundLoop

log = logging.getLogger("jes.notification.composer")

# Shortest sleep: a notice due "now" is composed at once, without spinning.
MIN_WAIT = 0.05
HOLD_AT_MOST = 10.0
# How often a held composer looks whether the consumer caught up.
HOLD_POLL = 0.25


class NoticeComposer:
    def __init__(
        self,
        db: Database,
        links: Links,
        *,
        on_composed: Callable[[], None] | None = None,
        poll: float = 5.0,
        behind: Callable[[], bool] = lambda: False,
        hold_at_most: float = HOLD_AT_MOST,
    ):
        self.db = db
        self.links = links
        self.on_composed = on_composed
        self.poll = poll
        self.behind = behind
        self.hold_at_most = hold_at_most
        self._held_since: float | None = None
        self._loop = BackgroundLoop(
            "notice-composer", self._round, after_failure=lambda _: self.poll, logger=log
        )

    def notify(self) -> None:
        self._loop.notify()

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

    def _round(self) -> float:
        if self.behind():
            now = time.monotonic()
            self._held_since = self._held_since or now
            if now - self._held_since < self.hold_at_most:
                return min(HOLD_POLL, self.poll)
        self._held_since = None
        self.run_once()
        return self._wait_seconds()

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

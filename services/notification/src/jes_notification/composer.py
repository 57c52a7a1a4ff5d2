"""The component that turns due progress notices into mails (notice_composing.compose_due)
and wakes the mail sender. It sleeps until the next notice falls due, or until the
handlers say new notices were recorded.

Each case and address is mailed as soon as its own batching window closes, whatever the
event consumer's backlog. (It used to hold every mail while the consumer's polls came
back full, up to 10 s, so that SQLite's one writer was not slowed by many small mails;
with the consumer and the composer writing a poll and a chunk in a few statements, the
hold only delayed the mails: at 10,000 entries over 1,000 cases it was most of the
latency.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from jes_db import Database, utcnow
from jes_notification import notice_composing
from jes_notification.domain.mails import Links
from jes_servicekit.background import BackgroundLoop

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
        self._loop = BackgroundLoop(
            "notice-composer", self._round, after_failure=lambda _: self.poll, logger=log
        )

    def notify(self) -> None:
        self._loop.notify()

    def run_once(self, now: datetime | None = None) -> int:
        return notice_composing.compose_due(self.db, self.links, now, self.on_composed)

    def _wait_seconds(self) -> float:
        due = notice_composing.next_due(self.db)
        if due is None:
            return self.poll
        return max(MIN_WAIT, min(self.poll, (due - utcnow()).total_seconds()))

    def _round(self) -> float:
        self.run_once()
        return self._wait_seconds()

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

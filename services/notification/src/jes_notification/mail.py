"""Mail transports and the sender loop that drains the delivery queue."""

from __future__ import annotations

import email.policy
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.utils import format_datetime
from typing import Any, cast

from prometheus_client import Counter
from sqlalchemy import Table, bindparam, func, select, text, update

from jes_db import Database, utcnow
from jes_domain import FailedPrecondition
from jes_notification.domain.deliveries import (
    MAX_ATTEMPTS,
    SENDABLE,
    DeliveryStatus,
    after_failure,
    after_link_gone,
    after_sending,
)
from jes_notification.domain.mails import with_link_token
from jes_notification.mail_transports import (
    MailboxTransport,
    SmtpTransport,
    Transport,
    open_transport,
    resend_replaces,
)
from jes_notification.models import Delivery
from jes_servicekit.background import BackgroundLoop

log = logging.getLogger("jes.notification.mail")

EMAILS_SENT = Counter("jes_emails_sent_total", "E-mails handed to the mail server", ["template"])
EMAILS_FAILED = Counter(
    "jes_emails_failed_total", "E-mails that failed for good after retries", ["template"]
)
__all__ = [
    "CLAIM_LOCK_CLASS",
    "MAX_ATTEMPTS",
    "MailSender",
    "MailboxTransport",
    "SmtpTransport",
    "Transport",
    "build_message",
    "open_transport",
    "resend_replaces",
]


# compat32 folds a header longer than 78 characters before its value when the value has
# no space (the unsubscribe URL), and a reader then sees a leading space in it: write
# such headers whole (SMTP allows lines of 998)
_UNFOLDED = email.policy.compat32.clone(max_line_length=998)


def build_message(delivery: Delivery, sender: str, link_token: str = "") -> Message:
    """The mail of a delivery; a one-time link's token (asked of identity just now) goes
    into its slot in the body here, in memory only.

    Built with the email package's compat32 classes (MIMEText, Header: a base64 UTF-8
    body, an RFC 2047 subject): the modern EmailMessage parses every header it is given,
    which made building and sending a mail cost ~2 ms of CPU, most of the sender's work
    in a burst. An address that is not ASCII (an internationalised one) still goes
    through EmailMessage, which knows how to write it."""
    body = with_link_token(delivery.body, link_token) if link_token else delivery.body
    if not (sender.isascii() and delivery.recipient.isascii()):
        return _international_message(delivery, sender, body)
    message = MIMEText(body, "plain", "utf-8", policy=_UNFOLDED)
    message["From"] = sender
    message["To"] = delivery.recipient
    message["Subject"] = Header(delivery.subject, "utf-8")  # type: ignore[assignment]
    _add_common_headers(message, delivery)
    return message


def _international_message(delivery: Delivery, sender: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = delivery.recipient
    message["Subject"] = delivery.subject
    _add_common_headers(message, delivery)
    message.set_content(body)
    return message


def _add_common_headers(message: Message, delivery: Delivery) -> None:
    message["Message-ID"] = f"<{delivery.id}@jes>"
    message["Date"] = format_datetime(delivery.created_at)
    message["X-JES-Event-ID"] = delivery.event_id
    if delivery.list_unsubscribe:
        # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the URL.
        message["List-Unsubscribe"] = f"<{delivery.list_unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


_DELIVERIES = cast(Table, Delivery.__table__)
_MARK_SENT = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("key"))
    .values(status=bindparam("new_status"), attempts=bindparam("tries"), sent_at=bindparam("at"))
)


def _sent_marks(deliveries: list[Delivery]) -> list[dict[str, Any]]:
    """The sent mark of each delivery (as read in its batch: its attempts are known)."""
    now = utcnow()
    marks = []
    for delivery in deliveries:
        attempt = after_sending(delivery.attempts)
        marks.append(
            {
                "key": delivery.id,
                "new_status": attempt.status.value,
                "tries": attempt.attempts,
                "at": now,
            }
        )
    return marks


def _count_sent(deliveries: list[Delivery]) -> None:
    for delivery in deliveries:
        EMAILS_SENT.labels(delivery.template).inc()


# Deliveries read per database transaction and sent over one connection.
SEND_BATCH = 50

# A sender's claim on a mail (PostgreSQL): a session advisory lock on (this class, the
# hash of the mail's id). A hash shared by two mails only holds the second back a round.
CLAIM_LOCK_CLASS = 0x4A45_5301  # "JES", 1: notification's mail sender
# Due mails looked at per claim, a multiple of those taken: the oldest may be held by
# other replicas' senders (each holds at most a round's batch).
_CLAIM_SCAN = 4
# The lock is taken in the outer query, over the inner one's rows as they come, and the
# outer LIMIT stops it: never on a row it does not return (PostgreSQL's manual,
# "Advisory Locks").
_DUE = (
    select(_DELIVERIES.c.id)
    .where(
        _DELIVERIES.c.status.in_([status.value for status in SENDABLE]),
        _DELIVERIES.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(_DELIVERIES.c.created_at)
    .limit(bindparam("scan"))
    .subquery("due")
)
_CLAIM = (
    select(_DUE.c.id)
    .where(func.pg_try_advisory_lock(CLAIM_LOCK_CLASS, func.hashtext(_DUE.c.id)))
    .limit(bindparam("limit"))
)
_UNLOCK = text(
    "SELECT pg_advisory_unlock(:lock_class, hashtext(id)) FROM unnest(CAST(:ids AS text[])) AS id"
).bindparams(lock_class=CLAIM_LOCK_CLASS)


class MailSender:
    """Sends queued deliveries and records them as sent: each right after the server
    accepted it, or, where a re-sent mail replaces the first (`resend_replaces`: the
    mailbox), a batch at once; failures are retried with backoff, then marked failed.

    Over SMTP, `connections` connections send at once (each its own share of the due
    mails, each mail recorded as sent right after the server took it), so a crash
    re-sends at most one mail per connection."""

    # Each poll is a database transaction: rare. New mail wakes the sender (notify, called
    # by the handlers once their transaction commits); the poll finds retries that fell due.
    def __init__(
        self,
        db: Database,
        transport: Transport,
        sender: str,
        poll: float = 5.0,
        issue_link: Callable[[str, str], str] | None = None,
        connections: int = 1,
    ):
        if connections < 1:
            raise ValueError("connections must be at least 1")
        self.db = db
        self.transport = transport
        self.sender = sender
        # what fills a delivery's slot (link_id, template) -> a one-time link's token or
        # a verification code (handlers.link_issuer)
        self.issue_link = issue_link
        self.poll = poll
        # one at a time where a re-send replaces the first copy (the mailbox: files, no
        # round trips to overlap)
        self.connections = 1 if resend_replaces(transport) else connections
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._loop = BackgroundLoop(
            "mail-sender", self._round, after_failure=lambda _: self.poll, logger=log
        )

    def notify(self) -> None:
        self._loop.notify()

    def run_once(self) -> int:
        """Send what is due, oldest first, a batch per database read, shared out over
        the connections (each sends its share in order over one connection).

        Over SMTP each mail is marked sent in its own transaction right after the server
        took it, so a crash sends at most the mail in flight on each connection again:
        SMTP has no idempotent submit, and not every mailbox drops a second copy by
        Message-ID. Where a re-send replaces the first copy (the mailbox), the batch is
        marked in one transaction after it went out (each mark waited behind the event
        consumer's transaction); a crash re-sends at most that batch, each mail under its
        own Message-ID.

        Replicas (several pods on one PostgreSQL database) each send only the mails they
        claimed (`_claims`): no mail goes out twice because two senders read it queued."""
        sent = 0
        with self._claims() as claim:
            while not self._loop.stopping:
                batch = claim(SEND_BATCH * self.connections)
                if not batch:
                    return sent
                shares = [batch[i :: self.connections] for i in range(self.connections)]
                shares = [share for share in shares if share]
                if len(shares) == 1:
                    sent += self._send_share(shares[0])
                else:
                    sent += sum(self._executor().map(self._send_share, shares))
        return sent

    @contextmanager
    def _claims(self) -> Iterator[Callable[[int], list[Delivery]]]:
        """What reads the next due mails to send (at most n), each claimed by this
        sender until its round ends.

        On PostgreSQL a claim is a session advisory lock on the mail's id, held by a
        connection kept for the round: another replica's sender passes over the mails
        this one holds, and a sender that dies (kill -9, a lost node) lets go of them with
        its connection, so another sends them at once (a lease would keep them until it
        ran out, and one that ran out mid-send would send them twice). The mails are read
        again after they are locked (a statement of its own, so it sees what committed
        before the lock was had): one another sender sent and let go of in between is
        not queued any more. SQLite: one process per database file (all-in-one), one
        sender; a plain read."""
        if self.db.engine.dialect.name != "postgresql":
            yield self._due
            return
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as held:
            claimed: list[str] = []

            def claim(limit: int) -> list[Delivery]:
                if claimed:  # the last batch went out (or failed and was recorded)
                    held.execute(_UNLOCK, {"ids": claimed})
                    claimed.clear()
                candidates = [
                    row.id
                    for row in held.execute(
                        _CLAIM,
                        {"now": utcnow(), "scan": limit * _CLAIM_SCAN, "limit": limit},
                    )
                ]
                if not candidates:
                    return []
                claimed.extend(candidates)
                with self.db.transaction() as session:
                    return self._due_in(session, limit, candidates)

            try:
                yield claim
            finally:
                if claimed:
                    try:
                        held.execute(_UNLOCK, {"ids": claimed})
                    except Exception:  # the connection is gone: so are its locks
                        log.warning("mail sender: letting go of its claims failed", exc_info=True)

    def _due(self, limit: int) -> list[Delivery]:
        with self.db.transaction() as session:
            return self._due_in(session, limit)

    def _due_in(self, session: Any, limit: int, ids: list[str] | None = None) -> list[Delivery]:
        query = (
            select(Delivery)
            .where(
                Delivery.status.in_([status.value for status in SENDABLE]),
                Delivery.next_attempt_at <= utcnow(),
            )
            .order_by(Delivery.created_at)
            .limit(limit)
        )
        if ids is not None:
            query = query.where(Delivery.id.in_(ids))
        return list(session.scalars(query))

    def _send_share(self, deliveries: list[Delivery]) -> int:
        """Send these over one connection, in order; returns how many were tried."""
        sent = 0
        mark_per_batch = resend_replaces(self.transport)
        accepted: list[Delivery] = []
        with self._connection() as transport, self._marks() as mark_sent:
            for delivery in deliveries:
                if self._loop.stopping:
                    break
                if self._send(delivery, transport):
                    if mark_per_batch:
                        accepted.append(delivery)
                    else:
                        mark_sent([delivery])
                sent += 1
            mark_sent(accepted)
        return sent

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.connections, thread_name_prefix="mail-send")
            return self._pool

    @contextmanager
    def _marks(self) -> Iterator[Callable[[list[Delivery]], None]]:
        """What records a share's mails as sent: each call one statement (no read, no ORM
        flush). On PostgreSQL the share keeps one database connection for its marks (a
        checkout from the pool pinged the server first: a round trip more per mail), each
        mark's UPDATE its own transaction; SQLite's go through `Database.transaction`,
        which queues this process's writers."""
        if self.db.engine.dialect.name == "sqlite":

            def in_transaction(deliveries: list[Delivery]) -> None:
                if deliveries:
                    with self.db.transaction() as session:
                        session.execute(_MARK_SENT, _sent_marks(deliveries))
                    _count_sent(deliveries)

            yield in_transaction
            return
        # each mark's UPDATE commits on its own (autocommit): one round trip, not three
        # (BEGIN, UPDATE, COMMIT)
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:

            def on_connection(deliveries: list[Delivery]) -> None:
                if deliveries:
                    with connection.begin():
                        connection.execute(_MARK_SENT, _sent_marks(deliveries))
                    _count_sent(deliveries)

            yield on_connection

    def _connection(self) -> AbstractContextManager[Transport]:
        session = getattr(self.transport, "session", None)
        return session() if session is not None else nullcontext(self.transport)

    def _send(self, delivery: Delivery, transport: Transport) -> bool:
        """Whether the server accepted the mail (the caller records it as sent); a
        failure or a voided link is recorded here."""
        try:
            # A new token on every attempt: identity keeps only its hash, and the token
            # of an attempt that failed stops working.
            link_token = self._link_token(delivery)
            transport.send(build_message(delivery, self.sender, link_token))
        except FailedPrecondition as gone:
            self._void(delivery, str(gone))
            return False
        except Exception as exc:
            # MAX_ATTEMPTS is read here, at call time, so it can be changed for a test.
            attempt = after_failure(delivery.attempts, MAX_ATTEMPTS)
            log.warning(
                "mail %s to %s failed (%d): %s",
                delivery.id,
                delivery.recipient,
                attempt.attempts,
                exc,
            )
            with self.db.transaction() as session:
                row = session.get(Delivery, delivery.id)
                assert row is not None
                row.attempts = attempt.attempts
                row.last_error = str(exc)[:500]
                row.status = attempt.status.value
                if attempt.retry_after is not None:
                    row.next_attempt_at = utcnow() + attempt.retry_after
            if attempt.status is DeliveryStatus.FAILED:
                EMAILS_FAILED.labels(delivery.template).inc()
            return False
        return True

    def _link_token(self, delivery: Delivery) -> str:
        if not delivery.link_id:
            return ""
        if self.issue_link is None:
            raise RuntimeError("this mail needs a one-time link, and no link issuer is set")
        return self.issue_link(delivery.link_id, delivery.template)

    def _void(self, delivery: Delivery, reason: str) -> None:
        log.info("mail %s not sent: its one-time link is gone (%s)", delivery.id, reason)
        with self.db.transaction() as session:
            row = session.get(Delivery, delivery.id)
            assert row is not None
            attempt = after_link_gone(row.attempts)
            row.status = attempt.status.value
            row.last_error = reason[:500]

    def _round(self) -> float:
        self.run_once()
        return self.poll

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

"""notification's mail sender with replicas (the production example runs two pods) on
PostgreSQL and the SMTP sink: two senders on one database send every queued mail once,
counted by Message-ID at the sink; a mail another sender holds is passed over, and
sent at once when that sender's connection dies (kill -9: no lease to wait out)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import create_engine, select, text

from jes_db import Database, utcnow
from jes_notification.app import MIGRATIONS
from jes_notification.mail import CLAIM_LOCK_CLASS, MailSender, SmtpTransport
from jes_notification.models import Delivery
from support.distributed import migrated, new_database, pg_url

DATABASE = "mail_sender_probe"
SENDER = "no-reply@jes.example"


@pytest.fixture
def db(infra) -> Iterator[Database]:
    url = new_database(infra, DATABASE)
    yield from migrated(url, MIGRATIONS)


@pytest.fixture
def transport(infra) -> SmtpTransport:
    mail_url = urlparse(infra["JES_MAIL_URL"])
    return SmtpTransport(mail_url.hostname or "127.0.0.1", mail_url.port or 25)


def queue(db: Database, count: int) -> tuple[str, list[str]]:
    """`count` queued mails to one new address; returns it and the mails' ids."""
    run = uuid.uuid4().hex[:10]
    address = f"replicas-{run}@example.com"
    ids = [f"{run}-{n:04d}" for n in range(count)]
    now = utcnow() - timedelta(seconds=1)
    with db.transaction() as session:
        session.add_all(
            Delivery(
                id=mail_id,
                event_id=f"event-{mail_id}",
                template="case_progress",
                recipient=address,
                subject=f"案件進度通知 {n}",
                body=f"第 {n} 封",
                created_at=now + timedelta(microseconds=n),
                next_attempt_at=now,
            )
            for n, mail_id in enumerate(ids)
        )
    return address, ids


def received(infra, address: str) -> Counter[str]:
    """How often the sink received each Message-ID sent to `address`."""
    reply = requests.get(
        f"{infra['JES_SMTP_SINK_API']}/messages", params={"to": address}, timeout=60
    )
    reply.raise_for_status()
    return Counter(mail["message_id"].strip("<>").removesuffix("@jes") for mail in reply.json())


def statuses(db: Database, ids: list[str]) -> Counter[str]:
    with db.transaction() as session:
        return Counter(session.scalars(select(Delivery.status).where(Delivery.id.in_(ids))).all())


def test_two_senders_on_one_database_send_every_mail_once(infra, db, transport) -> None:
    address, ids = queue(db, 400)
    replicas = [Database(pg_url(infra, DATABASE)) for _ in range(2)]
    senders = [MailSender(replica, transport, SENDER, connections=4) for replica in replicas]
    start = threading.Barrier(len(senders))
    tried: list[int] = []

    def run(sender: MailSender) -> None:
        start.wait()
        tried.append(sender.run_once())

    threads = [threading.Thread(target=run, args=(sender,)) for sender in senders]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for sender in senders:
            sender.stop()
        for replica in replicas:
            replica.dispose()
    counts = received(infra, address)
    assert sum(tried) == 400
    assert all(tried), f"both senders sent a share: {tried}"
    assert statuses(db, ids) == Counter({"sent": 400})
    assert set(counts) == set(ids)
    assert [mail for mail, n in counts.items() if n > 1] == []


def test_a_mail_another_sender_holds_goes_when_its_connection_dies(infra, db, transport) -> None:
    address, ids = queue(db, 3)
    held, free = ids[0], ids[1:]
    other = create_engine(pg_url(infra, DATABASE))  # another replica, mid-send
    connection = other.connect()
    try:
        connection.execute(
            text("SELECT pg_advisory_lock(:lock_class, hashtext(:id))"),
            {"lock_class": CLAIM_LOCK_CLASS, "id": held},
        )
        sender = MailSender(db, transport, SENDER)
        assert sender.run_once() == 2
        assert statuses(db, [held]) == Counter({"queued": 1})
        assert set(received(infra, address)) == set(free)
    finally:
        connection.invalidate()  # the other replica is killed: its connection closes
        other.dispose()
    # the server lets go of a dead session's locks as its backend ends: within moments
    deadline, sent = time.monotonic() + 10, 0
    while sent < 1 and time.monotonic() < deadline:
        sent += sender.run_once()
        time.sleep(0.05)
    assert sent == 1
    assert received(infra, address) == Counter(dict.fromkeys(ids, 1))
    assert statuses(db, ids) == Counter({"sent": 3})
    with db.transaction() as session:  # the sender let go of every claim
        held_locks = session.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert held_locks == 0

"""How the sender records mails as sent: per mail where a re-send would be a second mail
(SMTP), per batch where a re-send replaces the first (the all-in-one mailbox, whose files
are named by Message-ID)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest

from jes_notification.mail import MailboxTransport, MailSender
from jes_notification.models import Delivery


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs in the sender."""


class MailboxKilledAfter(MailboxTransport):
    def __init__(self, folder: Path, mails: int):
        super().__init__(folder)
        self.left = mails

    def send(self, message: EmailMessage) -> None:
        if not self.left:
            raise Killed
        self.left -= 1
        super().send(message)


def count_transactions(db, monkeypatch) -> list[int]:
    opened = [0]
    transaction = db.transaction

    @contextmanager
    def counted() -> Iterator:
        opened[0] += 1
        with transaction() as session:
            yield session

    monkeypatch.setattr(db, "transaction", counted)
    return opened


def test_a_mailbox_batch_is_marked_sent_in_one_transaction(service, tmp_path, monkeypatch):
    """Each mail's own "sent" transaction waited behind the event consumer's (SQLite has
    one writer): a third of the sender's time in a burst."""
    for n in range(5):
        service.queue_raw(id=f"d-{n}", recipient=f"r{n}@example.com")
    sender = MailSender(service.kit.db, MailboxTransport(tmp_path / "box"), "no@jes.example")
    opened = count_transactions(service.kit.db, monkeypatch)
    assert sender.run_once() == 5
    # the batch's read, its one mark, the read that finds nothing more
    assert opened[0] == 3
    assert sorted(p.name for p in (tmp_path / "box").glob("*.eml")) == [
        f"d-{n}@jes.eml" for n in range(5)
    ]
    monkeypatch.undo()
    for n in range(5):
        row = service.delivery(f"d-{n}")
        assert (row.status, row.attempts) == ("sent", 1)
        assert row.sent_at is not None


def test_a_mailbox_crash_mid_batch_resends_that_batch_once_each(service, tmp_path):
    """Killed after three mails of a batch: none of them is marked yet, so all go again
    after the restart, each replacing its own file (same Message-ID): the mailbox shows
    every mail once, and a link mail shows its newest token."""
    for n in range(5):
        service.queue_raw(id=f"d-{n}", recipient=f"r{n}@example.com")
    box = tmp_path / "box"
    killed = MailSender(service.kit.db, MailboxKilledAfter(box, 3), "no@jes.example")
    with pytest.raises(Killed):
        killed.run_once()
    assert len(list(box.glob("*.eml"))) == 3
    assert {service.delivery(f"d-{n}").status for n in range(5)} == {"queued"}

    restarted = MailSender(service.kit.db, MailboxTransport(box), "no@jes.example")
    assert restarted.run_once() == 5
    assert sorted(p.name for p in box.glob("*.eml")) == [f"d-{n}@jes.eml" for n in range(5)]
    assert {service.delivery(f"d-{n}").status for n in range(5)} == {"sent"}


class SmtpLike:
    """A transport without a replacing re-send: when each mail is handed over, every
    mail before it must already be recorded as sent."""

    def __init__(self, service):
        self.service = service
        self.sent: list[str] = []
        self.unmarked_when_sending: list[str] = []

    def send(self, message: EmailMessage) -> None:
        with self.service.kit.db.transaction() as session:
            for earlier in self.sent:
                if session.get(Delivery, earlier).status != "sent":
                    self.unmarked_when_sending.append(earlier)
        self.sent.append(str(message["Message-ID"]).strip("<>").removesuffix("@jes"))


def test_over_smtp_each_mail_is_marked_sent_before_the_next_goes(service):
    """A crash re-sends at most the one mail in flight (tests/integration/test_crash.py)."""
    for n in range(4):
        service.queue_raw(id=f"d-{n}", recipient=f"r{n}@example.com")
    transport = SmtpLike(service)
    assert MailSender(service.kit.db, transport, "no@jes.example").run_once() == 4
    assert transport.sent == [f"d-{n}" for n in range(4)]
    assert transport.unmarked_when_sending == []

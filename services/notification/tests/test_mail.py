"""The mail sender loop (retries, backoff, giving up) and the transports."""

from __future__ import annotations

import email
import email.policy
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from jes_db import utcnow
from jes_notification import mail as mail_module
from jes_notification.mail import (
    MAX_ATTEMPTS,
    MailboxTransport,
    MailSender,
    SmtpTransport,
    build_message,
    open_transport,
)
from jes_notification.models import Delivery
from support.processes import free_port


def metric(name: str, template: str) -> float:
    return REGISTRY.get_sample_value(name, {"template": template}) or 0.0


def make_due(service, delivery_id: str) -> None:
    """Skip the backoff wait: the delivery is due again now."""
    with service.kit.db.transaction() as session:
        session.get(Delivery, delivery_id).next_attempt_at = utcnow() - timedelta(seconds=1)


def aware(value: datetime) -> datetime:
    """Stored times are UTC; SQLite may hand them back without the zone."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


# -- MailSender -----------------------------------------------------------------------------


def test_queued_mail_is_sent_and_marked_sent(service, sender, transport):
    service.queue_raw(id="d-1", recipient="wang@example.com", subject="【司法院】通知")
    before = metric("jes_emails_sent_total", "firm_application_received")
    assert sender.run_once() == 1
    [message] = transport.sent
    assert message["To"] == "wang@example.com"
    assert message["From"] == "no-reply@jes.example"
    assert message["Subject"] == "【司法院】通知"
    assert message["Message-ID"] == "<d-1@jes>"
    assert message["X-JES-Event-ID"] == "event-1"
    assert message.get_content() == "內容\n"
    row = service.delivery("d-1")
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    assert metric("jes_emails_sent_total", "firm_application_received") == before + 1


def test_every_due_mail_is_sent_oldest_first(service, sender, transport):
    for n in range(3):
        service.queue_raw(id=f"d-{n}", recipient=f"r{n}@example.com")
    assert sender.run_once() == 3
    assert [m["To"] for m in transport.sent] == [
        "r0@example.com",
        "r1@example.com",
        "r2@example.com",
    ]
    assert sender.run_once() == 0


def test_mail_not_yet_due_waits(service, sender, transport):
    service.queue_raw(id="d-1", next_attempt_at=utcnow() + timedelta(minutes=5))
    assert sender.run_once() == 0
    assert transport.sent == []


def test_failure_is_retried_after_a_backoff(service, sender, transport):
    service.queue_raw(id="d-1")
    transport.failures = 1
    started = utcnow()
    sender.run_once()
    row = service.delivery("d-1")
    assert (row.status, row.attempts) == ("queued", 1)
    assert "mail server away" in row.last_error
    assert timedelta(seconds=1) < aware(row.next_attempt_at) - started < timedelta(seconds=4)
    assert sender.run_once() == 0  # not due yet: nothing is sent, nothing is retried
    assert transport.sent == []
    make_due(service, "d-1")
    assert sender.run_once() == 1
    row = service.delivery("d-1")
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(transport.sent) == 1


def test_backoff_doubles_up_to_five_minutes(service, sender, transport, monkeypatch):
    monkeypatch.setattr(mail_module, "MAX_ATTEMPTS", 100)
    service.queue_raw(id="d-1")
    transport.failures = 10
    for wait in [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]:
        make_due(service, "d-1")
        started = utcnow()
        sender.run_once()
        ended = utcnow()
        due = aware(service.delivery("d-1").next_attempt_at)
        assert started + timedelta(seconds=wait) <= due <= ended + timedelta(seconds=wait)


def test_mail_is_marked_failed_after_max_attempts(service, sender, transport):
    service.queue_raw(id="d-1", template="review_requested")
    transport.failures = MAX_ATTEMPTS
    before = metric("jes_emails_failed_total", "review_requested")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        make_due(service, "d-1")
        sender.run_once()
        row = service.delivery("d-1")
        assert row.attempts == attempt
        assert row.status == ("failed" if attempt == MAX_ATTEMPTS else "queued")
    assert metric("jes_emails_failed_total", "review_requested") == before + 1
    make_due(service, "d-1")
    assert sender.run_once() == 0  # failed for good: never picked up again
    assert transport.sent == []


def test_one_failing_mail_does_not_hold_up_the_others(service, sender, transport):
    service.queue_raw(id="d-1", recipient="first@example.com")
    service.queue_raw(id="d-2", recipient="second@example.com")
    transport.failures = 1
    sender.run_once()
    assert [m["To"] for m in transport.sent] == ["second@example.com"]
    assert service.delivery("d-1").status == "queued"
    assert service.delivery("d-2").status == "sent"


def test_sender_thread_sends_queued_mail(service, sender, transport):
    service.queue_raw(id="d-1")
    sender.poll = 0.05
    sender.start()
    try:
        for _ in range(100):
            if transport.sent:
                break
            time.sleep(0.05)
    finally:
        sender.stop()
    assert len(transport.sent) == 1


# -- build_message --------------------------------------------------------------------------


def test_message_headers_come_from_the_delivery(service):
    service.queue_raw(id="d-1", event_id="event-9", body="第一行\n第二行\n")
    row = service.delivery("d-1")
    message = parse(build_message(row, "JES <no-reply@jes.example>").as_bytes())
    assert message["Message-ID"] == "<d-1@jes>"
    assert message["X-JES-Event-ID"] == "event-9"
    assert message["From"] == "JES <no-reply@jes.example>"
    assert aware(message["Date"].datetime) == aware(row.created_at).replace(microsecond=0)
    assert message.get_content() == "第一行\n第二行\n"


def test_a_mail_reads_back_exactly_as_composed_on_the_wire(service):
    """The cheap (compat32) build: what a receiver reads is the delivery's subject, body and
    headers exactly, the long unsubscribe header on one line (a folded one read back with a
    leading space), the zh-TW text in UTF-8."""
    url = "https://jes.example.gov.tw/notices/unsubscribe?token=" + "x" * 60
    service.queue_raw(
        id="d-2",
        subject="【司法院】案件進度更新：100.訴.992032（3 筆）" * 2,
        body="登載日期：101/07/02\n登載事項：準備程序\n",
        list_unsubscribe=url,
    )
    wire = build_message(service.delivery("d-2"), "no-reply@jes.example").as_bytes()
    assert f"List-Unsubscribe: <{url}>".encode() in wire
    message = parse(wire)
    assert message["Subject"] == "【司法院】案件進度更新：100.訴.992032（3 筆）" * 2
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "登載日期：101/07/02\n登載事項：準備程序\n"


def test_an_address_that_is_not_ascii_is_written_as_an_international_mail(service):
    service.queue_raw(id="d-3", recipient="張三@例子.台灣", body="內容\n")
    message = build_message(service.delivery("d-3"), "no-reply@jes.example")
    assert isinstance(message, EmailMessage)
    assert message["To"] == "張三@例子.台灣"
    assert message.get_content() == "內容\n"


# -- MailboxTransport -----------------------------------------------------------------------


def test_mailbox_writes_one_eml_per_message_id(service, tmp_path: Path):
    service.queue_raw(id="d-1", subject="【司法院】鑑估報告照片待審核")
    box = MailboxTransport(tmp_path / "box")
    message = build_message(service.delivery("d-1"), "no-reply@jes.example")
    box.send(message)
    box.send(message)  # a retry after a crash overwrites, never duplicates
    assert [p.name for p in (tmp_path / "box").iterdir()] == ["d-1@jes.eml"]
    stored = parse((tmp_path / "box" / "d-1@jes.eml").read_bytes())
    assert stored["Subject"] == "【司法院】鑑估報告照片待審核"
    assert stored.get_content() == "內容\n"


def test_mailbox_file_names_cannot_leave_the_folder(tmp_path: Path):
    box = MailboxTransport(tmp_path / "box")
    message = email.message.EmailMessage()
    message["Message-ID"] = "<../../etc/x@jes>"
    message.set_content("x")
    box.send(message)
    [written] = list((tmp_path / "box").iterdir())
    assert written.name == ".._.._etc_x@jes.eml"
    assert written.parent == tmp_path / "box"


def test_mailbox_write_is_atomic_and_leaves_no_temp_file(tmp_path: Path, monkeypatch):
    box = MailboxTransport(tmp_path / "box")
    message = email.message.EmailMessage()
    message["Message-ID"] = "<d-1@jes>"
    message.set_content("x")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        box.send(message)
    assert list((tmp_path / "box").iterdir()) == []


def test_the_mailbox_does_not_wait_for_the_disk_per_mail(tmp_path: Path, monkeypatch):
    """An fsync per mail was a sixth of the sender's time in a burst; the rename alone
    survives a crash of the process, as all-in-one's SQLite (synchronous=NORMAL) does."""
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    box = MailboxTransport(tmp_path / "box")
    for n in range(3):
        message = email.message.EmailMessage()
        message["Message-ID"] = f"<d-{n}@jes>"
        message.set_content("x")
        box.send(message)
    assert sorted(p.name for p in (tmp_path / "box").iterdir()) == [
        "d-0@jes.eml",
        "d-1@jes.eml",
        "d-2@jes.eml",
    ]
    assert synced == []


def test_the_services_mailbox_receives_what_the_built_sender_sends(service):
    service.queue_raw(id="d-1")
    assert service.sender.run_once() == 1
    assert [p.name for p in service.mailbox.glob("*.eml")] == ["d-1@jes.eml"]


# -- transports by URL ----------------------------------------------------------------------


def test_open_transport_by_url(tmp_path: Path):
    smtp = open_transport("smtp://mail.example:2525")
    assert isinstance(smtp, SmtpTransport)
    assert (smtp.host, smtp.port) == ("mail.example", 2525)
    assert open_transport("smtp://mail.example").port == 25
    box = open_transport(f"mailbox://{tmp_path}/box")
    assert isinstance(box, MailboxTransport)
    assert box.folder == tmp_path / "box"
    with pytest.raises(ValueError, match="unsupported mail URL"):
        open_transport("http://mail.example")


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[tuple[object, object]]]]:
    """An SMTP server on loopback: its port, and (session, envelope) per mail received."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Sink

    received: list[tuple[object, object]] = []

    class Collect(Sink):
        async def handle_DATA(self, server, session, envelope):
            received.append((session, envelope))
            return "250 OK"

    port = free_port()
    controller = controller_module.Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_smtp_transport_delivers_to_an_smtp_server(service):
    with smtp_server() as (port, received):
        service.queue_raw(id="d-1", recipient="wang@example.com", subject="【司法院】通知")
        message = build_message(service.delivery("d-1"), "no-reply@jes.example")
        SmtpTransport("127.0.0.1", port).send(message)
    [(_, envelope)] = received
    assert envelope.rcpt_tos == ["wang@example.com"]  # type: ignore[attr-defined]
    assert parse(envelope.content)["Subject"] == "【司法院】通知"  # type: ignore[attr-defined]


def test_a_backlog_goes_out_over_one_smtp_connection(service):
    """A connection per mail (TCP, EHLO, STARTTLS, login) was most of a burst's cost."""
    with smtp_server() as (port, received):
        for n in range(5):
            service.queue_raw(id=f"d-{n}", recipient=f"user{n}@example.com")
        sender = MailSender(
            service.kit.db, SmtpTransport("127.0.0.1", port), "no-reply@jes.example"
        )
        assert sender.run_once() == 5
    sessions = [session for session, _ in received]
    assert len(sessions) == 5
    assert all(session is sessions[0] for session in sessions)
    assert {service.delivery(f"d-{n}").status for n in range(5)} == {"sent"}


def test_a_backlog_is_shared_over_several_smtp_connections(service):
    """One connection sends some 40-50 mails a second: a burst goes over several at once,
    each mail still recorded as sent right after the server took it, so a crash re-sends
    at most one mail per connection (tests/integration/test_crash.py)."""
    connections = 3
    # per sending thread (= connection): the mails it handed over, and each of those not
    # yet recorded as sent when it handed over the next
    handed: dict[int, list[str]] = {}
    unrecorded: list[str] = []
    with smtp_server() as (port, received):
        for n in range(12):
            service.queue_raw(id=f"d-{n:02}", recipient=f"user{n}@example.com")
        sender = MailSender(
            service.kit.db,
            SmtpTransport("127.0.0.1", port),
            "no-reply@jes.example",
            connections=connections,
        )
        original = sender._send

        def send(delivery, transport):
            earlier = handed.setdefault(threading.get_ident(), [])
            unrecorded.extend(d for d in earlier if service.delivery(d).status != "sent")
            earlier.append(delivery.id)
            return original(delivery, transport)

        sender._send = send  # type: ignore[method-assign]
        assert sender.run_once() == 12
        sender.stop()
    sessions = {id(session) for session, _ in received}
    assert len(sessions) == connections == len(handed)
    assert len(received) == 12
    assert {service.delivery(f"d-{n:02}").status for n in range(12)} == {"sent"}
    # each connection records its mail before its next send: a crash re-sends at most one
    # mail per connection
    assert unrecorded == []


def test_the_mailbox_is_written_one_mail_at_a_time(service, tmp_path):
    sender = MailSender(
        service.kit.db, MailboxTransport(tmp_path / "box"), "no-reply@jes.example", connections=4
    )
    assert sender.connections == 1


# -- one-time links: the token is asked of identity at send time, put in the mail only ------

LINK_BODY = "請開啟 https://jes.example.gov.tw/password/set?token={one-time-token}\n"


def test_a_link_mail_gets_its_token_when_sent_and_the_row_keeps_none(service, sender, transport):
    service.queue_raw(id="d-1", body=LINK_BODY, link_id="link-1")
    assert sender.run_once() == 1
    [token] = service.identity.issued_tokens
    [message] = transport.sent
    assert (
        message.get_content() == f"請開啟 https://jes.example.gov.tw/password/set?token={token}\n"
    )
    row = service.delivery("d-1")
    assert (row.status, row.body) == ("sent", LINK_BODY)
    [asked] = [r for r in service.identity.requests if hasattr(r, "link_id")]
    assert asked.link_id == "link-1"


def test_a_retried_link_mail_carries_a_new_token(service, sender, transport):
    service.queue_raw(id="d-1", body=LINK_BODY, link_id="link-1")
    transport.failures = 1
    sender.run_once()
    make_due(service, "d-1")
    sender.run_once()
    first, second = service.identity.issued_tokens
    [message] = transport.sent
    assert second in message.get_content() and first not in message.get_content()
    assert first not in service.delivery("d-1").last_error


def test_a_link_mail_whose_link_is_gone_is_voided_not_sent(service, sender, transport):
    service.queue_raw(
        id="d-1", body=LINK_BODY, link_id="link-1", template="password_reset_requested"
    )
    service.identity.gone_links.add("link-1")
    failed_before = metric("jes_emails_failed_total", "password_reset_requested")
    assert sender.run_once() == 1
    assert transport.sent == []
    row = service.delivery("d-1")
    assert (row.status, row.last_error) == ("voided", "連結無效或已使用")
    assert sender.run_once() == 0  # final
    assert metric("jes_emails_failed_total", "password_reset_requested") == failed_before


def test_a_link_mail_waits_while_identity_is_away(service, sender, transport):
    service.queue_raw(id="d-1", body=LINK_BODY, link_id="link-1")
    service.identity.unavailable = 1
    sender.run_once()
    row = service.delivery("d-1")
    assert (row.status, row.attempts) == ("queued", 1)
    assert transport.sent == []
    make_due(service, "d-1")
    assert sender.run_once() == 1
    assert len(transport.sent) == 1


def test_a_queued_mail_is_sent_at_once_not_at_the_next_poll(service):
    """The sender polls rarely (each poll is a database transaction, and an idle platform
    paid for five a second); the consumer's commit of a new delivery wakes it."""
    import time

    from jes.identity.v1 import identity_pb2
    from jes_protos import make_envelope
    from jes_servicekit import topic_of

    sender = service.sender
    assert sender.poll >= 2.0
    sender.poll = 30.0  # only the wake-up can make it this fast
    sender.start()
    try:
        time.sleep(0.3)  # the sender has looked once and is waiting
        application = identity_pb2.FirmApplication(
            id="app-9", court_code="TPD", company_name="大華估價", email="wang@example.com"
        )
        envelope = make_envelope(
            identity_pb2.FirmAccountApplied(application=application),
            source="identity",
            subject="app-9",
        )
        service.kit.bus.publish(topic_of("identity"), "app-9", envelope.SerializeToString())
        started = time.monotonic()
        while service.consumer.run_once(timeout=0.2):
            pass
        while not list(service.mailbox.glob("*.eml")) and time.monotonic() - started < 5:
            time.sleep(0.02)
        assert list(service.mailbox.glob("*.eml")), "the mail is still queued"
        assert time.monotonic() - started < 2.0
    finally:
        sender.stop()

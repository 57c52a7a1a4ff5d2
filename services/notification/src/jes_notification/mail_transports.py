"""How a mail leaves: SMTP (implicit TLS, STARTTLS or none, one connection for many
mails) or, all-in-one, a mailbox folder of .eml files. The sender loop is mail.py."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from jes_config import MailSecurity


class Transport(Protocol):
    def send(self, message: Message) -> None: ...


def resend_replaces(transport: Transport) -> bool:
    """Whether sending a mail again replaces the first copy (same Message-ID) instead of
    delivering a second one. Only then may the sender record a batch as sent at once: a
    crash re-sends the batch, and the recipient still sees each mail once."""
    return bool(getattr(transport, "resend_replaces", False))


class SmtpTransport:
    """SMTP, secured as `security` says: implicit TLS (smtps://), STARTTLS (refused when
    the server does not offer it), or none (a relay on loopback). The server's
    certificate is checked against the system's CAs or `security.ca_file`; credentials go
    only over TLS (jes_config refuses the setting otherwise)."""

    def __init__(self, host: str, port: int, security: MailSecurity | None = None):
        self.host = host
        self.port = port
        self.security = security or MailSecurity()

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.security.ca_file or None)

    def send(self, message: Message) -> None:
        with self.session() as connection:
            connection.send(message)

    @contextmanager
    def session(self) -> Iterator[Transport]:
        """One connection for many mails (a connection per mail was most of a burst's
        cost); opened at the first send, and again after a failed one."""
        connection = _SmtpConnection(self)
        try:
            yield connection
        finally:
            connection.close()

    def connect(self) -> smtplib.SMTP:
        security = self.security
        smtp: smtplib.SMTP
        if security.tls == "implicit":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=20, context=self._tls_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=20)
        try:
            if security.tls == "starttls":
                smtp.ehlo()
                # raises SMTPNotSupportedError when the server cannot: never falls back
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if security.username:
                if security.tls == "none":  # jes_config refuses this; kept as a last guard
                    raise smtplib.SMTPException("credentials are never sent without TLS")
                smtp.login(security.username, security.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


class _SmtpConnection:
    def __init__(self, transport: SmtpTransport):
        self.transport = transport
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        if self._smtp is None:
            self._smtp = self.transport.connect()
        try:
            self._smtp.send_message(message)
        except BaseException:
            self.close()  # the connection's state is unknown: the next mail opens a new one
            raise

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class MailboxTransport:
    """All-in-one mode: each mail is a .eml file in a folder the gateway shows.

    The file is named by Message-ID and written atomically, like a maildir. Not fsync'd
    (that was a sixth of the sender's time in a burst): the rename survives a crash of the
    process, which is as durable as all-in-one's SQLite (synchronous=NORMAL) is.

    A mail sent again (after a crash, before it was recorded as sent) replaces its own
    file, so the sender records a whole batch as sent in one transaction."""

    resend_replaces = True

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: Message) -> None:
        name = str(message["Message-ID"]).strip("<>").replace("/", "_") + ".eml"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(bytes(message))
            os.replace(tmp, self.folder / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)  # a failed send is retried: no temp file per try
            raise


def open_transport(url: str, security: MailSecurity | None = None) -> Transport:
    parsed = urlparse(url)
    if parsed.scheme == "smtp":
        return SmtpTransport(parsed.hostname or "127.0.0.1", parsed.port or 25, security)
    if parsed.scheme == "smtps":
        implicit = security or MailSecurity(tls="implicit")
        return SmtpTransport(parsed.hostname or "127.0.0.1", parsed.port or 465, implicit)
    if parsed.scheme == "mailbox":
        return MailboxTransport(Path(parsed.path))
    raise ValueError(f"unsupported mail URL {url!r}")

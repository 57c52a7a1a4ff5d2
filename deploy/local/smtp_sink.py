"""SMTP sink for the local test stack (deploy/local/infra.sh).

Accepts every message on SMTP (no auth, no TLS, no relaying) and records it exactly
as delivered: one record per SMTP DATA transaction, no de-duplication. Records are
appended to a JSONL file, so a restarted sink still knows earlier messages.

HTTP read API (JSON, UTF-8):
  GET    /health                     {"status": "ok", "count": n}
  GET    /messages                   list of messages, oldest first
  GET    /messages?since=n           only the messages after the first n (a poller that
                                     read n before asks for the new ones alone)
  GET    /messages?to=a@b.example    only messages for that address (envelope
                                     recipients or To/Cc headers, case-insensitive)
  GET    /messages?subject=text      only messages whose subject contains text
  GET    /messages/<id>              one message
  GET    /messages/<id>/raw          the message as received (message/rfc822)
  DELETE /messages                   forget every message (truncates the file)

Each message: id, message_id (header), from (header), to (envelope recipients),
header_to, cc, mail_from (envelope), subject (RFC 2047 decoded), body (text part,
transfer-encoding and charset decoded; the HTML part stripped of tags if there is
no text part), html, headers, attachments (filename, content_type, size),
received_at (UTC, ISO 8601).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import email
import email.header
import email.policy
import email.utils
import html
import json
import logging
import re
import signal
import threading
import uuid
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("smtp_sink")


# --------------------------------------------------------------------------- parsing


def _decode_header(value: Any) -> str:
    """A header value as text, RFC 2047 encoded words decoded (zh-TW subjects etc.)."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        # compat32 keeps a header of raw 8-bit bytes (an SMTPUTF8 mail's, RFC 6532) as a
        # Header of unknown-8bit chunks: they are UTF-8
        value = "".join(
            chunk.decode("utf-8" if charset in (None, "unknown-8bit") else str(charset), "replace")
            if isinstance(chunk, bytes)
            else chunk
            for chunk, charset in email.header.decode_header(value)
        )
    text = re.sub(r"\r?\n(?=[ \t])", "", str(value))  # unfolded (RFC 5322 2.2.3)
    if "=?" in text:
        try:
            if text.isascii():
                text = str(email.header.make_header(email.header.decode_header(text)))
            else:  # raw UTF-8 around encoded words: decode_header would escape the UTF-8
                text = _ENCODED_WORD.sub(
                    lambda word: str(
                        email.header.make_header(email.header.decode_header(word.group(0)))
                    ),
                    text,
                )
        except Exception:  # malformed encoded word: keep the text as it came
            log.debug("cannot decode header %r", text)
    return text


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _addresses(values: list[Any]) -> list[str]:
    return [addr for _name, addr in email.utils.getaddresses([_decode_header(v) for v in values])]


def _part_text(part: Message) -> str:
    """A text part's content: transfer encoding and charset decoded, newlines as \\n."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:  # an unknown charset name
        text = payload.decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def _strip_html(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style).*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</h\d>", "\n", markup)
    text = html.unescape(re.sub(r"<[^>]+>", "", markup))
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment"


def parse_message(raw: bytes) -> dict[str, Any]:
    """The message's fields for the API. Parsed with the email package's compat32 policy:
    its default policy took ~2 ms a mail (header objects, get_body), on the same CPUs as
    the platform a benchmark measures (issue 11's burst: ~2,000 mails)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    text_part: Message | None = None
    html_part: Message | None = None
    attachments = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if _is_attachment(part) or (
            part.get_filename() and content_type not in ("text/plain", "text/html")
        ):
            payload = part.get_payload(decode=True) or b""
            attachments.append(
                {
                    "filename": _decode_header(part.get_filename()),
                    "content_type": content_type,
                    "size": len(payload) if isinstance(payload, bytes) else 0,
                }
            )
        elif content_type == "text/plain" and text_part is None:
            text_part = part
        elif content_type == "text/html" and html_part is None:
            html_part = part
    html_text = _part_text(html_part) if html_part is not None else ""
    if text_part is not None:
        body = _part_text(text_part)
    elif html_part is not None:
        body = _strip_html(html_text)
    else:
        body = ""
    return {
        "message_id": str(msg.get("Message-ID", "")).strip(),
        "from": _decode_header(msg.get("From")),
        "header_to": _addresses(msg.get_all("To", [])),
        "cc": _addresses(msg.get_all("Cc", [])),
        "subject": _decode_header(msg.get("Subject")),
        "body": body,
        "html": html_text,
        "headers": [[k, _decode_header(v)] for k, v in msg.items()],
        "attachments": attachments,
    }


# --------------------------------------------------------------------------- store


class Store:
    """Messages in memory, mirrored to an append-only JSONL file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.records: list[dict[str, Any]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        self.records.append(json.loads(line))
                    except json.JSONDecodeError:
                        log.warning("skipping a corrupt line in %s", path)
        # kept open: opening the file for each message was a tenth of the sink's CPU
        self._file = path.open("a", encoding="utf-8")

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> dict[str, Any]:
        """Records the message as received; it is parsed when first read, so taking a
        message costs the sink little CPU (a benchmark's platform shares the machine)."""
        record = {
            "id": uuid.uuid4().hex,
            "received_at": datetime.now(UTC).isoformat(),
            "mail_from": mail_from,
            "to": list(rcpt_tos),
            "raw_b64": base64.b64encode(raw).decode("ascii"),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self.lock:
            self._file.write(line)
            self._file.flush()
            self.records.append(record)
        return record

    def list(self, since: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            records = self.records[since:]
        parsed = [_parsed(record) for record in records]
        with self.lock:  # keep the parsed records (a record, once listed, never changes)
            for index, (before, after) in enumerate(zip(records, parsed, strict=True), since):
                if index < len(self.records) and self.records[index] is before:
                    self.records[index] = after
        return parsed

    def count(self) -> int:
        with self.lock:
            return len(self.records)

    def get(self, message_id: str) -> dict[str, Any] | None:
        with self.lock:
            record = next((r for r in self.records if r["id"] == message_id), None)
        return _parsed(record) if record is not None else None

    def clear(self) -> int:
        with self.lock:
            n = len(self.records)
            self.records.clear()
            self._file.truncate(0)
            return n


def _parsed(record: dict[str, Any]) -> dict[str, Any]:
    """The record with the message's fields (parse_message): a new record, so one being
    written out as JSON by another request never changes under it."""
    if "subject" in record:
        return record
    try:
        fields = parse_message(base64.b64decode(record["raw_b64"]))
    except Exception as exc:  # never lose a delivery because we cannot parse it
        log.exception("cannot parse a message")
        fields = {"subject": "", "body": "", "parse_error": repr(exc)}
    return {**record, **fields}


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "raw_b64"}


def matches(record: dict[str, Any], to: str | None, subject: str | None) -> bool:
    if to:
        wanted = to.strip().lower()
        addrs = [a.lower() for a in [*record.get("to", []), *record.get("header_to", [])]]
        addrs += [a.lower() for a in record.get("cc", [])]
        if wanted not in addrs:
            return False
    return not (subject and subject not in record.get("subject", ""))


# --------------------------------------------------------------------------- SMTP


# The SMTP side is a small asyncio protocol of its own, not aiosmtpd: aiosmtpd's server
# cost ~0.5 ms of CPU a mail even with a handler that does nothing, and in a benchmark the
# sink shares the machine's 2 cores with the platform it measures (a real mail server is
# elsewhere). It speaks what a submitting client needs: EHLO/HELO, MAIL, RCPT, DATA
# (dot-unstuffed, kept byte for byte), RSET, NOOP, VRFY, QUIT; SIZE, 8BITMIME, SMTPUTF8
# and PIPELINING are advertised; no TLS, no AUTH.

MAX_LINE = 4096  # a command line (RFC 5321 allows 512; SMTPUTF8 addresses are longer)


class SmtpSession(asyncio.Protocol):
    """One client connection."""

    def __init__(self, store: Store, hostname: str, size_limit: int) -> None:
        self.store = store
        self.hostname = hostname
        self.size_limit = size_limit
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.in_data = False
        self.scanned = 0  # how far the DATA terminator was looked for
        self.mail_from: str | None = None
        self.rcpt_tos: list[str] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.reply(f"220 {self.hostname} ESMTP jes-smtp-sink")

    def reply(self, line: str) -> None:
        assert self.transport is not None
        self.transport.write(line.encode("utf-8") + b"\r\n")

    def reset(self) -> None:
        self.mail_from, self.rcpt_tos = None, []

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            if self.in_data:
                if not self.take_data():
                    return
                continue
            end = self.buffer.find(b"\n")
            if end < 0:
                if len(self.buffer) > MAX_LINE:
                    self.reply("500 5.5.2 Line too long")
                    self.transport.close()
                return
            line = bytes(self.buffer[:end]).rstrip(b"\r")
            del self.buffer[: end + 1]
            self.command(line.decode("utf-8", "replace"))

    def take_data(self) -> bool:
        """The message, once its terminating line (".") is in; False: not yet."""
        if self.buffer.startswith(b".\r\n"):
            end, content = 0, b""
        else:
            end = self.buffer.find(b"\r\n.\r\n", max(0, self.scanned - 4))
            if end < 0:
                self.scanned = len(self.buffer)
                return False
            content = bytes(self.buffer[: end + 2])
            end += 2
        del self.buffer[: end + 3]
        self.in_data, self.scanned = False, 0
        if len(content) > self.size_limit:
            self.reply("552 5.3.4 Message too big")
        else:
            # dot-unstuffing (RFC 5321 4.5.2): a line's leading "." was doubled
            raw = content.replace(b"\r\n..", b"\r\n.")
            if raw.startswith(b".."):
                raw = raw[1:]
            record = self.store.add(self.mail_from or "", self.rcpt_tos, raw)
            # debug: a line per message was a tenth of the sink's CPU in a burst
            log.debug("received %s for %s", record["id"], record["to"])
            self.reply("250 2.0.0 Message accepted for delivery")
        self.reset()
        return True

    def command(self, line: str) -> None:
        verb, _, argument = line.partition(" ")
        verb = verb.upper()
        if verb == "EHLO":
            self.reset()
            for extension in (self.hostname, f"SIZE {self.size_limit}", "8BITMIME", "SMTPUTF8"):
                self.reply(f"250-{extension}")
            self.reply("250 PIPELINING")
        elif verb == "HELO":
            self.reset()
            self.reply(f"250 {self.hostname}")
        elif verb == "MAIL":
            address = _path(argument, "FROM:")
            if address is None:
                self.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
            elif self.mail_from is not None:
                self.reply("503 5.5.1 Error: nested MAIL command")
            else:
                self.mail_from = address
                self.reply("250 2.1.0 OK")
        elif verb == "RCPT":
            address = _path(argument, "TO:")
            if self.mail_from is None:
                self.reply("503 5.5.1 Error: need MAIL command")
            elif not address:
                self.reply("501 5.5.4 Syntax: RCPT TO:<address>")
            else:
                self.rcpt_tos.append(address)
                self.reply("250 2.1.5 OK")
        elif verb == "DATA":
            if not self.rcpt_tos:
                self.reply("503 5.5.1 Error: need RCPT command")
            else:
                self.in_data = True
                self.reply("354 End data with <CR><LF>.<CR><LF>")
        elif verb == "RSET":
            self.reset()
            self.reply("250 2.0.0 OK")
        elif verb == "NOOP":
            self.reply("250 2.0.0 OK")
        elif verb == "VRFY":
            self.reply("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery")
        elif verb == "QUIT":
            self.reply("221 2.0.0 Bye")
            assert self.transport is not None
            self.transport.close()
        else:
            self.reply(f'500 5.5.2 Error: command "{verb}" not recognized')


def _path(argument: str, keyword: str) -> str | None:
    """The address of "FROM:<a@b> SIZE=123" (parameters ignored); None: not such a line."""
    if not argument[: len(keyword)].upper() == keyword:
        return None
    rest = argument[len(keyword) :].strip()
    if rest.startswith("<"):
        end = rest.find(">")
        return rest[1:end] if end > 0 else None
    return rest.split(" ", 1)[0] if rest else None


class SmtpServer:
    """The SMTP side on an event loop of its own thread (the HTTP API is the main one's)."""

    def __init__(self, store: Store, host: str, port: int, size_limit: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            self.loop.create_server(
                lambda: SmtpSession(store, "jes-smtp-sink", size_limit), host, port
            )
        )
        self.thread = threading.Thread(target=self.loop.run_forever, name="smtp", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        def close() -> None:
            self.server.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(close)
        self.thread.join(timeout=10)


# --------------------------------------------------------------------------- HTTP


def make_http_handler(store: Store) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "jes-smtp-sink/1"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("http %s " + fmt, self.address_string(), *args)

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            parts = [p for p in url.path.split("/") if p]
            query = parse_qs(url.query)
            if parts == ["health"]:
                self._json(200, {"status": "ok", "count": store.count()})
            elif parts == ["messages"]:
                to = query.get("to", [None])[0]
                subject = query.get("subject", [None])[0]
                since = query.get("since", ["0"])[0]
                if not since.isdigit():
                    self._json(400, {"error": "since: a number of messages"})
                    return
                records = store.list(int(since))
                self._json(200, [public(r) for r in records if matches(r, to, subject)])
            elif len(parts) in (2, 3) and parts[0] == "messages":
                record = store.get(parts[1])
                if record is None:
                    self._json(404, {"error": "no such message"})
                elif len(parts) == 2:
                    self._json(200, public(record))
                elif parts[2] == "raw":
                    data = base64.b64decode(record["raw_b64"])
                    self.send_response(200)
                    self.send_header("Content-Type", "message/rfc822")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    self._json(404, {"error": "not found"})
            else:
                self._json(404, {"error": "not found"})

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path.rstrip("/") == "/messages":
                self._json(200, {"deleted": store.clear()})
            else:
                self._json(404, {"error": "not found"})

    return Handler


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=11025)
    parser.add_argument("--http-port", type=int, default=11080)
    parser.add_argument("--store", type=Path, default=Path("var/infra/smtp/messages.jsonl"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    store = Store(args.store)
    smtp = SmtpServer(store, args.host, args.smtp_port, size_limit=64 * 1024 * 1024)
    smtp.start()
    http = ThreadingHTTPServer((args.host, args.http_port), make_http_handler(store))
    http.daemon_threads = True

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping", signum)
        threading.Thread(target=http.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "SMTP on %s:%s, HTTP API on %s:%s, %d stored messages in %s",
        args.host, args.smtp_port, args.host, args.http_port, len(store.list()), args.store,
    )  # fmt: skip
    try:
        http.serve_forever()
    finally:
        http.server_close()
        smtp.stop()
        log.info("stopped")


if __name__ == "__main__":
    main()

"""Smoke test of the local infrastructure (deploy/local/infra.sh up).

Talks to each server the way the services do: Kafka with kafka-python, MinIO with the
minio client, PostgreSQL with SQLAlchemy + psycopg, SMTP with smtplib (read back via
the sink's HTTP API). Fails, never skips, when the infrastructure is down.
"""

from __future__ import annotations

import io
import smtplib
import subprocess
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
import urllib3
from kafka import KafkaConsumer, KafkaProducer
from minio import Minio

from support.distributed import pg_url

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "deploy" / "local" / "infra.sh"
DATABASES = [
    "identity",
    "photo_storage",
    "report_render",
    "review_workflow",
    "case_sync",
    "notification",
]


@pytest.fixture(scope="module")
def infra_env() -> dict[str, str]:
    """The variables `infra.sh env` prints (the single source of addresses/credentials)."""
    out = subprocess.run(
        ["bash", str(INFRA), "env"], check=True, capture_output=True, text=True
    ).stdout
    env = {}
    for line in out.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value
    return env


def test_infra_status() -> None:
    result = subprocess.run(["bash", str(INFRA), "status"], capture_output=True, text=True)
    assert result.returncode == 0, (
        "local infrastructure is not (fully) running; start it with "
        f"`bash deploy/local/infra.sh up`:\n{result.stdout}{result.stderr}"
    )


def test_kafka_produce_consume(infra_env: dict[str, str]) -> None:
    url = infra_env["JES_EVENT_BUS_URL"]
    assert url.startswith("kafka://")
    bootstrap = url.removeprefix("kafka://")
    topic = f"jes.infra-smoke.{uuid.uuid4().hex[:12]}"  # auto-created by the broker
    value = f"hello {uuid.uuid4()}".encode()

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_block_ms=15_000)
    try:
        meta = producer.send(topic, key=b"smoke", value=value).get(timeout=30)
    finally:
        producer.close()
    assert meta.topic == topic

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"infra-smoke-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        received: list[Any] = []
        deadline = time.monotonic() + 60
        while not received and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                received += [r for r in records if r.value == value]
        assert received, f"message not consumed back from {topic}"
        assert received[0].key == b"smoke"
        consumer.commit()  # exercises the group coordinator (__consumer_offsets)
    finally:
        consumer.close()


def test_minio_put_get(infra_env: dict[str, str]) -> None:
    url = urlsplit(infra_env["JES_OBJECT_STORE_URL"])
    client = Minio(
        url.netloc,
        access_key=infra_env["JES_OBJECT_STORE_ACCESS_KEY"],
        secret_key=infra_env["JES_OBJECT_STORE_SECRET_KEY"],
        secure=url.scheme == "https",
        # fail fast instead of the client's default retries with back-off
        http_client=urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=30),
            retries=urllib3.Retry(total=2, backoff_factor=0.2),
        ),
    )
    bucket = "jes-infra-smoke"
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
    name = f"smoke/{uuid.uuid4().hex}.txt"
    data = "法院電子服務 smoke test".encode()
    client.put_object(bucket, name, io.BytesIO(data), len(data), content_type="text/plain")
    try:
        response = client.get_object(bucket, name)
        try:
            assert response.read() == data
        finally:
            response.close()
            response.release_conn()
    finally:
        client.remove_object(bucket, name)


@pytest.mark.parametrize("database", DATABASES)
def test_postgres_select_1(infra_env: dict[str, str], database: str) -> None:
    engine = sa.create_engine(pg_url(infra_env, database), connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
            assert conn.execute(sa.text("select current_database()")).scalar_one() == database
            owner = conn.execute(
                sa.text(
                    "select pg_get_userbyid(datdba) from pg_database "
                    "where datname = current_database()"
                )
            ).scalar_one()
            assert owner == "jes"
    finally:
        engine.dispose()


def test_smtp_send_and_read_back(infra_env: dict[str, str]) -> None:
    mail = urlsplit(infra_env["JES_MAIL_URL"])
    api = infra_env["JES_SMTP_SINK_API"]
    to = f"smoke-{uuid.uuid4().hex[:8]}@jes.example"
    subject = "測試通知：案件 113年度訴字第123號"
    body = "您好，這是整合測試郵件。\nHello from the infra smoke test."

    msg = EmailMessage()
    msg["From"] = "no-reply@jes.example"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@jes.example>"
    msg.set_content(body)  # UTF-8, base64/quoted-printable chosen by the email package
    with smtplib.SMTP(mail.hostname or "127.0.0.1", mail.port or 25, timeout=10) as smtp:
        smtp.send_message(msg)

    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not found and time.monotonic() < deadline:
        resp = requests.get(f"{api}/messages", params={"to": to}, timeout=10)
        resp.raise_for_status()
        found = resp.json()
        if not found:
            time.sleep(0.2)
    assert len(found) == 1, found
    got = found[0]
    assert got["message_id"] == msg["Message-ID"]
    assert got["subject"] == subject
    assert got["body"].strip() == body
    assert got["from"] == "no-reply@jes.example"
    assert to in got["to"]
    assert got["id"] and got["received_at"]


def _sink_messages(api: str, to: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(found) < count and time.monotonic() < deadline:
        resp = requests.get(f"{api}/messages", params={"to": to}, timeout=10)
        resp.raise_for_status()
        found = resp.json()
        if len(found) < count:
            time.sleep(0.2)
    return found


def test_smtp_sink_keeps_each_message_byte_for_byte(infra_env: dict[str, str]) -> None:
    """The sink's own SMTP server: dot-stuffed lines come back as sent, every envelope
    recipient and an internationalised (SMTPUTF8) address are kept, a transaction reset
    half-way leaves nothing, and commands out of order are refused."""
    mail = urlsplit(infra_env["JES_MAIL_URL"])
    api = infra_env["JES_SMTP_SINK_API"]
    run = uuid.uuid4().hex[:8]
    to, cc, utf8 = f"dots-{run}@jes.example", f"cc-{run}@jes.example", f"王-{run}@例子.台灣"
    body = ".a line that starts with a dot\n..two dots\n.\nthe end: 結束\n"
    msg = EmailMessage()
    msg["From"] = "no-reply@jes.example"
    msg["To"] = to
    msg["Cc"] = cc
    msg["Subject"] = "點開頭的行"
    msg["Message-ID"] = f"<dots-{run}@jes.example>"
    msg.set_content(body, cte="8bit")
    with smtplib.SMTP(mail.hostname or "127.0.0.1", mail.port or 25, timeout=10) as smtp:
        assert smtp.ehlo()[0] == 250
        assert smtp.has_extn("smtputf8") and smtp.has_extn("8bitmime")
        assert smtp.rcpt(to)[0] == 503  # no MAIL yet
        assert smtp.mail("no-reply@jes.example")[0] == 250
        assert smtp.rcpt(to)[0] == 250
        assert smtp.rset()[0] == 250  # nothing of this transaction is kept
        smtp.send_message(msg)
        utf8_msg = EmailMessage()
        utf8_msg["From"] = "no-reply@jes.example"
        utf8_msg["To"] = utf8
        utf8_msg["Subject"] = "國際化地址"
        utf8_msg.set_content("您好")
        smtp.send_message(utf8_msg)
        # a raw UTF-8 header (RFC 6532) with an RFC 2047 word in it
        mixed = f"mixed-{run}@jes.example"
        smtp.sendmail(
            "no-reply@jes.example",
            [mixed],
            f"To: {mixed}\r\nSubject: 國際化 =?utf-8?b?5ris6Kmm?=\r\n\r\nbody\r\n".encode(),
            mail_options=["SMTPUTF8"],
        )
        assert smtp.docmd("BOGUS")[0] == 500

    [got] = _sink_messages(api, to, 1)
    assert sorted(got["to"]) == [cc, to]
    assert got["body"] == body
    raw = requests.get(f"{api}/messages/{got['id']}/raw", timeout=10)
    assert raw.content.replace(b"\r\n", b"\n") == bytes(msg).replace(b"\r\n", b"\n")
    [international] = _sink_messages(api, utf8, 1)
    assert international["to"] == [utf8]
    assert international["subject"] == "國際化地址"
    [both] = _sink_messages(api, mixed, 1)
    assert both["subject"] == "國際化 測試"

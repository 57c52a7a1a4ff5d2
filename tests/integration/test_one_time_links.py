"""Distributed mode (issue 9, finding 5): after an activation and a reset, the raw
one-time token is in the mail (the SMTP sink) and nowhere else: not in any message of
identity's Kafka topic, not in any row of identity's or notification's PostgreSQL
database, not in any service's log. The mailed links still work, once."""

from __future__ import annotations

from pathlib import Path

import psycopg
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql

from support import flows
from support.distributed import FIRM, Distributed, pg_url
from support.journey import SET_PASSWORD_LINK, _wait_for_application, ok
from support.processes import wait_until

TOPIC = "jes.identity.events"
ROWS_AS_TEXT = sql.SQL("SELECT string_agg(t::text, '') FROM {} t")


def mailed_token(platform: flows.Platform, email: str, subject_part: str) -> str:
    def mailed() -> bool:
        return any(subject_part in m["subject"] for m in platform.mails_to(email))

    wait_until(mailed, timeout=90, what=f"mail '{subject_part}' to {email}")
    mail = next(m for m in platform.mails_to(email) if subject_part in m["subject"])
    found = SET_PASSWORD_LINK.search(mail["body"])
    assert found, mail["body"]
    return found.group(1)


def topic_bytes(bootstrap: str) -> bytes:
    """Every message of identity's topic, from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        chunks: list[bytes] = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1000).values():
                chunks += [r.value for r in records]
        return b"".join(chunks)
    finally:
        consumer.close()


def database_text(infra: dict[str, str], database: str) -> str:
    """Every row of every table of a service database, as text."""
    url = pg_url(infra, database).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        ]
        assert tables
        return "".join(
            str(conn.execute(ROWS_AS_TEXT.format(sql.Identifier(table))).fetchone()[0])
            for table in tables
        )


def assert_only_in_the_mail(distributed: Distributed, token: str) -> None:
    infra = distributed.infra
    assert token.encode() not in topic_bytes(infra["JES_EVENT_BUS_URL"].removeprefix("kafka://"))
    for database in ("identity", "notification"):
        assert token not in database_text(infra, database), database
    for log in Path(distributed.processes["identity"].log_path).parent.glob("*.log"):
        assert token not in log.read_text(errors="replace"), log.name


def test_activation_and_reset_tokens_are_only_in_the_mail(distributed: Distributed):
    platform = distributed.platform()
    email = flows.unique_email("links")
    application = {
        "court_code": "TPD",
        "company_name": "守密不動產估價師事務所",
        "contact_person": "陳先生",
        "email": email,
        "phone": "02-2700-5678",
    }
    ok(platform.api("POST", "/api/v1/firm-applications", json=application), 201)
    clerk_token = platform.login("ITCLERK", FIRM[1])
    applied = _wait_for_application(platform, clerk_token, email)
    decision = ok(
        platform.api(
            "POST",
            f"/api/v1/firm-applications/{applied['id']}/decision",
            clerk_token,
            json={"approve": True},
        )
    )
    activation = mailed_token(platform, email, "帳號已啟用")
    assert_only_in_the_mail(distributed, activation)

    body = {"token": activation, "new_password": "Links2026!away"}
    ok(platform.api("POST", "/api/v1/password/set", json=body))
    assert platform.api("POST", "/api/v1/password/set", json=body).status_code == 409

    ok(
        platform.api(
            "POST",
            "/api/v1/password/reset-requests",
            json={"account_id": decision["account_id"], "email": email},
        ),
        202,
    )
    reset = mailed_token(platform, email, "重新設定密碼")
    assert_only_in_the_mail(distributed, reset)
    body = {"token": reset, "new_password": "Reset2026!again"}
    ok(platform.api("POST", "/api/v1/password/set", json=body))
    assert platform.api("POST", "/api/v1/password/set", json=body).status_code == 409
    assert platform.login(decision["account_id"], "Reset2026!again")

"""Migration 0002: mails queued before the one-time links changed kept the raw token in
their body; those already sent (or failed for good) lose it, queued ones keep it (they
still need it to be sent)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from jes_notification.app import MIGRATIONS

TOKEN = "q1W-e2R_t3Y4u5I6o7P8a9S0d1F2g3H4j5K6l7Z8x9C"
BODY = f"請開啟 https://jes.example/password/set?token={TOKEN}\n連結只能使用一次\n"


def migrate(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    command.upgrade(config, revision)


def test_sent_mails_lose_their_token_queued_ones_keep_it(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/notification.db"
    migrate(url, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        for delivery_id, status in (
            ("sent-1", "sent"),
            ("failed-1", "failed"),
            ("queued-1", "queued"),
        ):
            conn.execute(
                text(
                    "INSERT INTO deliveries (id, event_id, template, recipient, subject, body,"
                    " status, attempts, last_error, created_at, next_attempt_at)"
                    " VALUES (:id, 'e', 'password_reset_requested', 'a@example.com', 's', :body,"
                    " :status, 1, '', '2026-11-30 00:00:00', '2026-11-30 00:00:00')"
                ),
                {"id": delivery_id, "body": BODY, "status": status},
            )
    migrate(url, "head")
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, body FROM deliveries")).all())
        link_ids = set(conn.execute(text("SELECT link_id FROM deliveries")).scalars())
    engine.dispose()
    assert TOKEN not in rows["sent-1"] and TOKEN not in rows["failed-1"]
    assert rows["sent-1"] == BODY.replace(TOKEN, "(redacted)")
    assert rows["queued-1"] == BODY
    assert link_ids == {""}


def test_0010_adds_case_progress_notices_and_keeps_the_log(tmp_path: Path):
    """From 0002 to 0010 and back: the delivery log stays, the new tables come and go."""
    url = f"sqlite:///{tmp_path}/notification.db"
    migrate(url, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO deliveries (id, event_id, template, recipient, subject, body,"
                " status, attempts, last_error, created_at, next_attempt_at, link_id)"
                " VALUES ('d-1', 'e', 'firm_application_received', 'a@example.com', 's', 'b',"
                " 'sent', 1, '', '2026-11-30 00:00:00', '2026-11-30 00:00:00', '')"
            )
        )
    migrate(url, "0010")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT list_unsubscribe FROM deliveries")).scalars().all() == [""]
        assert conn.execute(text("SELECT count(*) FROM progress_notices")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM case_mail_subscriptions")).scalar() == 0
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    command.downgrade(config, "0002")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM deliveries")).scalars().all() == ["d-1"]
        tables = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars()
        )
    engine.dispose()
    assert "progress_notices" not in tables and "case_mail_subscriptions" not in tables

"""notification's recording of progress notices on PostgreSQL as on SQLite: a consumer's
poll of new entries becomes one notice per follower and entry (written by COPY on
PostgreSQL, an executemany on SQLite), every column as given; a replayed poll adds
nothing; a notice another consumer wrote first fails the whole poll's insert and leaves
nothing of it behind (the consumer then goes one by one). The composer's marks, likewise
on both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from jes.case_sync.v1 import case_events_pb2, cases_pb2
from jes_db import Database
from jes_notification import notice_composing
from jes_notification.app import MIGRATIONS
from jes_notification.domain import case_notices as rules
from jes_notification.domain.case_notices import MailMode
from jes_notification.domain.mails import Links
from jes_notification.models import CaseMailSubscription, Delivery, ProgressNotice
from jes_notification.progress_notices import record_progress_of_many
from support.distributed import migrated, new_database

DATABASE = "progress_notices_probe"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def new_postgres_database(infra) -> Iterator[Database]:
    yield from migrated(new_database(infra, DATABASE), MIGRATIONS)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield from migrated(f"sqlite:///{tmp_path / 'notification.db'}", MIGRATIONS)
    else:
        yield from new_postgres_database(request.getfixturevalue("infra"))


@pytest.fixture
def pg(infra) -> Iterator[Database]:
    yield from new_postgres_database(infra)


def added(case: int, entry: int, *emails: str) -> case_events_pb2.ProgressEntriesAdded:
    return case_events_pb2.ProgressEntriesAdded(
        case_id=f"case-{case}",
        case=cases_pb2.CaseKey(
            court_code="CHD",
            category=cases_pb2.CASE_CATEGORY_CRIMINAL,
            year=100,
            word="訴",
            number=992000 + case,
        ),
        entries=[
            case_events_pb2.AddedEntry(
                entry=cases_pb2.ProgressEntry(
                    source_entry_id=f"e-{entry}",
                    posted_on="2026-11-19",
                    item=f"第 {entry} 次言詞辯論「A&B」",
                    hearing=cases_pb2.Hearing(
                        starts_at="2026-12-03T09:30", place="第五法庭", kind="言詞辯論"
                    )
                    if entry == 1
                    else None,
                ),
                entry_id=f"case-{case}/e-{entry}",
            )
        ],
        followers=[
            case_events_pb2.Follower(follow_id=f"follow-{email}", email=email) for email in emails
        ],
    )


def poll() -> list[case_events_pb2.ProgressEntriesAdded]:
    """Two cases, three entries each; one follower on the first, two on the second."""
    return [
        added(
            case,
            entry,
            *(["wang@example.com"] if case == 1 else ["lin@example.com", "Chen@Example.com"]),
        )
        for case in (1, 2)
        for entry in (1, 2, 3)
    ]


def notices(db: Database) -> list[ProgressNotice]:
    with db.transaction() as session:
        found = list(session.scalars(select(ProgressNotice).order_by(ProgressNotice.id)))
        session.expunge_all()
        return found


def test_a_poll_becomes_one_notice_per_follower_and_entry(db: Database) -> None:
    arrived = [NOW - timedelta(seconds=1)] * 6
    with db.transaction() as session:
        assert record_progress_of_many(session, poll(), NOW, arrived) == 9
    recorded = notices(db)
    assert len(recorded) == 9
    with db.transaction() as session:
        subscriptions = {
            s.id: (s.case_id, s.recipient, s.follow_id, s.case_number)
            for s in session.scalars(select(CaseMailSubscription))
        }
    assert sorted(subscriptions.values()) == [
        ("case-1", "wang@example.com", "follow-wang@example.com", "100.訴.992001"),
        ("case-2", "chen@example.com", "follow-Chen@Example.com", "100.訴.992002"),
        ("case-2", "lin@example.com", "follow-lin@example.com", "100.訴.992002"),
    ]
    first = next(
        n for n in recorded if n.id == rules.notice_id("case-1", "e-1", "wang@example.com")
    )
    assert subscriptions[first.subscription_id][:2] == ("case-1", "wang@example.com")
    assert (first.event_id, first.court_code, first.source_entry_id) == (
        "case-1:e-1",
        "CHD",
        "e-1",
    )
    assert first.posted_on == date(2026, 11, 19)
    assert first.item == "第 1 次言詞辯論「A&B」"
    assert first.hearing == "民國 115年 12月3日 星期四 09:30 第五法庭 言詞辯論"
    assert first.status == "pending"
    assert first.delivery_id is None
    # the window runs from case-sync's commit, a second before NOW
    assert first.due_at == NOW - timedelta(seconds=1) + rules.BATCH_WINDOW
    assert first.created_at == NOW


def test_a_replayed_poll_adds_nothing(db: Database) -> None:
    with db.transaction() as session:
        record_progress_of_many(session, poll(), NOW)
    with db.transaction() as session:
        assert record_progress_of_many(session, poll(), NOW + timedelta(seconds=5)) == 0
    assert len(notices(db)) == 9


def test_a_notice_another_consumer_wrote_first_fails_the_whole_poll(pg: Database) -> None:
    """Two consumers with the same entry at once (a rebalance): the second read before the
    first committed, so its COPY meets the first's row, fails, and leaves none of its
    poll's rows. (SQLite has one writer at a time: no such race there.)"""
    with pg.transaction() as session:  # the follower's settings exist already
        record_progress_of_many(session, [added(1, 9, "wang@example.com")], NOW)
    first = pg.sessions()
    try:
        record_progress_of_many(first, [added(1, 1, "wang@example.com")], NOW)
        first.flush()
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            with pg.transaction() as second:
                # the first has not committed: the second cannot see its rows, and its
                # COPY waits on them until the first commits, then fails
                second.execute(text("SET LOCAL lock_timeout = '10s'"))
                committer = threading.Timer(0.5, first.commit)
                committer.start()
                try:
                    record_progress_of_many(second, poll(), NOW)
                finally:
                    committer.join()
    finally:
        first.close()
    assert sorted(n.source_entry_id for n in notices(pg)) == ["e-1", "e-9"]
    with pg.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseMailSubscription)) == 1


def test_composing_marks_each_notice_with_its_mail_and_a_taken_one_fails_the_marks(
    db: Database,
) -> None:
    """The composer's marks (one statement over arrays on PostgreSQL, an executemany on
    SQLite): each notice composed into its address's mail, an unsubscribed address's
    dropped; marks naming a notice no longer pending (another composer took it between
    the read and the marks) fail, and the chunk's transaction rolls back."""
    with db.transaction() as session:
        record_progress_of_many(session, poll(), NOW)
        lin = session.scalars(
            select(CaseMailSubscription).where(CaseMailSubscription.recipient == "lin@example.com")
        ).one()
        lin.mode = MailMode.UNSUBSCRIBED.value
        subscription_ids = list(session.scalars(select(CaseMailSubscription.id)))
    links = Links("https://jes.example.gov.tw")
    with db.transaction() as session:
        assert notice_composing._compose_many(session, links, subscription_ids) == 2
        mails = {d.recipient: d.id for d in session.scalars(select(Delivery))}
    assert sorted(mails) == ["chen@example.com", "wang@example.com"]
    composed = {n.id: n for n in notices(db)}
    for case, address in [
        ("case-1", "wang@example.com"),
        ("case-2", "chen@example.com"),
        ("case-2", "lin@example.com"),
    ]:
        for entry in ("e-1", "e-2", "e-3"):
            notice = composed[rules.notice_id(case, entry, address)]
            if address == "lin@example.com":
                assert (notice.status, notice.delivery_id) == ("dropped", None)
            else:
                assert (notice.status, notice.delivery_id) == ("composed", mails[address])

    with db.transaction() as session:
        record_progress_of_many(session, [added(1, 4, "wang@example.com")], NOW)
    fresh = rules.notice_id("case-1", "e-4", "wang@example.com")
    taken = rules.notice_id("case-1", "e-1", "wang@example.com")  # composed above
    with pytest.raises(notice_composing.NoticesTaken):
        with db.transaction() as session:
            notice_composing._mark_many(
                session,
                [
                    {"key": fresh, "new_status": "composed", "mail": "m-2"},
                    {"key": taken, "new_status": "composed", "mail": "m-2"},
                ],
            )
    after = {n.id: n for n in notices(db)}
    assert (after[fresh].status, after[fresh].delivery_id) == ("pending", None)
    assert after[taken].delivery_id == mails["wang@example.com"]

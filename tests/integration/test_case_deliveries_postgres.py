"""notification's ListCaseDeliveries query on PostgreSQL as on SQLite: each follower's
newest `mails_per_follower` mails are kept by window functions in the query (the service
runs on both databases), the same as listing every mail and keeping the first ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jes_db import Database
from jes_notification.app import MIGRATIONS
from jes_notification.models import CaseMailSubscription, Delivery, ProgressNotice
from jes_notification.queries import CaseDeliveryQueries
from support.distributed import migrated, new_database

DATABASE = "case_deliveries_probe"
CASE = ("CHD", "刑事", "100.訴.992032")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'notification.db'}"
    else:
        infra = request.getfixturevalue("infra")
        url = new_database(infra, DATABASE)
    yield from migrated(url, MIGRATIONS)


def subscription(recipient: str) -> CaseMailSubscription:
    court_code, category, case_number = CASE
    return CaseMailSubscription(
        id=f"sub-{recipient}",
        case_id="case-1",
        recipient=recipient,
        follow_id=f"follow-{recipient}",
        token=f"token-{recipient}",
        court_code=court_code,
        category=category,
        case_number=case_number,
    )


def notice(
    sub: str, entry: str, minutes: int, status: str, mail: str | None = None
) -> ProgressNotice:
    return ProgressNotice(
        id=f"{sub}/{entry}",
        subscription_id=sub,
        event_id=f"event-{entry}",
        court_code="CHD",
        source_entry_id=entry,
        posted_on=T0.date(),
        item="定期言詞辯論",
        status=status,
        created_at=T0 + timedelta(minutes=minutes),
        delivery_id=mail,
    )


def mail(mail_id: str, recipient: str, status: str = "sent") -> Delivery:
    return Delivery(
        id=mail_id,
        event_id=f"event-{mail_id}",
        template="case_progress",
        recipient=recipient,
        subject="案件進度更新",
        body="",
        status=status,
        attempts=1,
        sent_at=T0 if status == "sent" else None,
    )


def test_each_followers_newest_mails_are_kept_in_the_query(db: Database):
    """wang: four mails (the first carrying two entries made in the same minute), and an
    entry still waiting that is older than all of them; chen: three mails, one of them
    failed, then entries dropped (unsubscribed) and one composed whose mail row is gone."""
    with db.transaction() as session:
        session.add_all([subscription("wang@example.com"), subscription("chen@example.com")])
        session.flush()
        wang, chen = "sub-wang@example.com", "sub-chen@example.com"
        session.add_all(
            [mail(f"w{n}", "wang@example.com") for n in range(4)]
            + [mail("c1", "chen@example.com"), mail("c2", "chen@example.com", "failed")]
            + [mail("c3", "chen@example.com", "queued")]
        )
        session.flush()
        session.add_all(
            [
                notice(wang, "e-0b", 0, "composed", "w0"),
                notice(wang, "e-0a", 0, "composed", "w0"),
                notice(wang, "e-1", 1, "composed", "w1"),
                notice(wang, "e-2", 2, "composed", "w2"),
                notice(wang, "e-3", 3, "composed", "w3"),
                notice(wang, "e-4", -60, "pending"),
                notice(chen, "e-1", 1, "composed", "c1"),
                notice(chen, "e-2", 2, "composed", "c2"),
                notice(chen, "e-3", 3, "composed", "c3"),
                notice(chen, "e-4", 4, "dropped"),
                notice(chen, "e-5", 5, "dropped"),
                notice(chen, "e-6", 6, "composed", "gone"),
            ]
        )
    queries = CaseDeliveryQueries(db)
    case_id, everything = queries.of_case(*CASE, per_follower=100)
    assert case_id == "case-1"
    listed = {
        row.recipient: [(m.delivery_id, m.notice_status, m.source_entry_ids) for m in row.mails]
        for row in everything
    }
    assert listed == {
        "chen@example.com": [
            ("", "composed", ("e-6",)),
            ("", "dropped", ("e-4", "e-5")),
            ("c3", "composed", ("e-3",)),
            ("c2", "composed", ("e-2",)),
            ("c1", "composed", ("e-1",)),
        ],
        "wang@example.com": [
            ("", "pending", ("e-4",)),  # waiting: on top, however old
            ("w3", "composed", ("e-3",)),
            ("w2", "composed", ("e-2",)),
            ("w1", "composed", ("e-1",)),
            ("w0", "composed", ("e-0a", "e-0b")),
        ],
    }
    statuses = {m.delivery_id: m.delivery_status for row in everything for m in row.mails}
    assert (statuses["c2"], statuses["c3"], statuses["w0"]) == ("failed", "queued", "sent")
    for per_follower in range(1, 6):
        _, kept = queries.of_case(*CASE, per_follower=per_follower)
        assert [row.recipient for row in kept] == ["chen@example.com", "wang@example.com"]
        for row, full in zip(kept, everything, strict=True):
            assert row.mails == full.mails[:per_follower]
    assert queries.of_case("CHD", "刑事", "100.訴.000001", per_follower=5) == ("", [])

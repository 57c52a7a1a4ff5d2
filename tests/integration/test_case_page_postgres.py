"""case-sync's case page on the real PostgreSQL, where readers' requests run side by side
(issue 11's page benchmark at 50 requests/s hit this): the same reader's two first visits
of a case at once, two tabs or a double tap, must both get the page. The visit used to be
read, then inserted when missing, so the second insert failed on the primary key and the
reader got an HTTP 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from sqlalchemy import create_engine, text

from jes_case_sync.domain.access import Reader, ReaderKind
from jes_case_sync.usecases.case_page import CasePages
from jes_case_sync.usecases.common import Infrastructure
from support.distributed import new_database
from support.services import embedded_config

DATABASE = "case_page_probe"
CASE = "6f1c2a8e-0000-4000-8000-000000000011"
ACCOUNT = "6f1c2a8e-0000-4000-8000-0000000000aa"


@pytest.fixture
def kit(infra: dict[str, str], tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """case-sync's database on PostgreSQL, migrated and empty, with one followed case."""
    from jes_case_sync.app import build

    url = new_database(infra, DATABASE)
    built = build(
        embedded_config("case-sync", tmp_path, JES_DATABASE_URL=url),
        identity_port=None,
        metrics=False,
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (id, court_code, category, year, word, number, created_at,"
                " status, division, cause, last_changed_at) VALUES (:id, 'TPD', '民事', 115,"
                " '訴', 11, now(), 'pending', '', '', now())"
            ),
            {"id": CASE},
        )
        conn.execute(
            text(
                "INSERT INTO progress_entries (id, case_id, source_entry_id, posted_on, item,"
                " ingested_at, hearing_at, hearing_place, hearing_kind, withdraw_reason)"
                " VALUES (md5('e1')::uuid::text, :c, 'e-1', current_date - 1, '言詞辯論',"
                " now(), '', '', '', '')"
            ),
            {"c": CASE},
        )
        conn.execute(
            text(
                "INSERT INTO followers (id, case_id, email, role, created_at, account_id,"
                " account_username, status, applicant_name, application_id, approved_by,"
                " revoke_reason) VALUES (md5('f1')::uuid::text, :c, 'reader@example.com',"
                " '當事人', now(), :a, '', 'active', '', '', '', '')"
            ),
            {"c": CASE, "a": ACCOUNT},
        )
    engine.dispose()
    try:
        yield built, url
    finally:
        built.db.dispose()


def test_two_first_visits_at_once_both_get_the_page(kit):
    built, url = kit
    other_visit_at = datetime.now(UTC) - timedelta(seconds=5)
    ours_at = datetime.now(UTC)

    calls = []

    def now_while_another_request_records_its_visit() -> datetime:
        # the clock is first asked after the page has found no visit: the reader's other
        # request records one at that moment
        calls.append(1)
        if len(calls) > 1:
            return ours_at
        other = create_engine(url, isolation_level="AUTOCOMMIT")
        with other.connect() as conn:
            conn.execute(
                text(
                    "INSERT INTO case_visits (account_id, case_id, visited_at) VALUES (:a, :c, :t)"
                ),
                {"a": ACCOUNT, "c": CASE, "t": other_visit_at},
            )
        other.dispose()
        return ours_at

    pages = CasePages(
        Infrastructure(built.db, built.outbox, now=now_while_another_request_records_its_visit)
    )
    reader = Reader(ReaderKind.LITIGANT, ACCOUNT, account_ids=(ACCOUNT,))

    page = pages.case_page(reader, case_id=CASE, record_visit=True)

    assert [entry.item for entry in page.entries] == ["言詞辯論"]
    engine = create_engine(url)
    with engine.connect() as conn:
        visits = (
            conn.execute(
                text("SELECT visited_at FROM case_visits WHERE account_id = :a AND case_id = :c"),
                {"a": ACCOUNT, "c": CASE},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert visits == [ours_at]  # one visit, the later one


@pytest.mark.parametrize("lookup", ["case_refs_of", "cases_of"])
def test_a_case_first_named_by_two_calls_at_once_is_created_once(kit, lookup):
    """Two court calls at once may both be a new case's first mention (two follow
    approvals, two streams; issue 11's crash benchmark approved 8 follows of one new case
    at once and 4 got INTERNAL). Here the other call has inserted the case and not yet
    committed when ours looks for it: ours must wait, then use that case, not fail on the
    unique key and not make a second one."""
    from jes_case_sync import case_store
    from jes_case_sync.domain.cases import CaseKey

    built, url = kit
    key = CaseKey("TPD", "民事", 115, "訴", 12)

    def ours() -> str:
        with built.db.transaction() as session:
            return str(getattr(case_store, lookup)(session, [key])[key].id)

    result = while_another_call_inserts(
        url,
        "INSERT INTO cases (id, court_code, category, year, word, number, created_at,"
        " status, division, cause, last_changed_at) VALUES"
        " ('6f1c2a8e-0000-4000-8000-000000000012', 'TPD', '民事', 115, '訴', 12, now(),"
        " 'pending', '', '', now())",
        ours,
    )

    assert result == "6f1c2a8e-0000-4000-8000-000000000012"
    assert count(url, "SELECT count(*) FROM cases WHERE court_code = 'TPD' AND number = 12") == 1


def test_an_entry_posted_by_two_calls_at_once_is_added_once_and_neither_call_fails(kit):
    """A court system re-sending a batch it got no answer for (issue 11's crash benchmark
    does) while the first is still being written: both calls post the same new entry.
    Here the other call has written the entry and not yet committed when ours writes it:
    ours must wait, then find it (UNCHANGED), not fail on the unique key (it got INTERNAL
    when the entries went in by COPY, whose error was not the IntegrityError the retry
    looks for)."""
    from jes.case_sync.v1 import case_sync_pb2 as pb
    from jes.case_sync.v1 import cases_pb2
    from jes_case_sync.domain.changes import change_problems
    from jes_case_sync.grpc_messages import change_input
    from jes_case_sync.usecases.ingest import Ingest, Outcome
    from jes_db.audit import Actor

    built, url = kit
    message = pb.CaseChange(
        case=cases_pb2.CaseKey(
            court_code="TPD", category=cases_pb2.CASE_CATEGORY_CIVIL, year=115, word="訴", number=11
        ),
        post=cases_pb2.ProgressEntry(
            source_entry_id="e-9",
            posted_on=str(datetime.now(UTC).date() - timedelta(days=1)),
            item="宣判",
        ),
    )
    valid, problems = change_problems(change_input(message), datetime.now(UTC).date())
    assert valid is not None, problems

    def ours() -> Outcome:
        ingest = Ingest(Infrastructure(built.db, built.outbox))
        [change] = ingest.apply("TPD", [valid], actor=Actor("court-system:TPD", "court-system"))
        return change.outcome

    outcome = while_another_call_inserts(
        url,
        "INSERT INTO progress_entries (id, case_id, source_entry_id, posted_on, item,"
        " ingested_at, hearing_at, hearing_place, hearing_kind, withdraw_reason)"
        " VALUES (md5('e9')::uuid::text, :case, 'e-9', current_date - 1, '宣判',"
        " now(), '', '', '', '')",
        ours,
        case=CASE,
    )
    assert outcome is Outcome.UNCHANGED
    assert count(url, "SELECT count(*) FROM progress_entries WHERE source_entry_id = 'e-9'") == 1


def count(url: str, query: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(text(query)).scalar_one())
    engine.dispose()
    return found


T = TypeVar("T")


def while_another_call_inserts(url: str, insert: str, ours: Callable[[], T], **params: Any) -> T:
    """`ours` run while another transaction holds `insert` (with `params`) uncommitted:
    ours reads no row (the other's is not committed) and its own insert waits on the
    other's row lock; then the other commits. Returns what ours returned (its error is
    raised here)."""
    other = create_engine(url).connect()
    other_tx = other.begin()
    other.execute(text(insert), params)
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = ours()
        except Exception as error:  # raised in the test's thread below
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    try:
        # autocommit: PostgreSQL keeps one snapshot of pg_stat_activity per transaction,
        # so polls inside one transaction saw the first poll's state again and again
        watcher = create_engine(url, isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + 30
        with watcher.connect() as conn:
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :d"
                        " AND wait_event_type = 'Lock'"
                    ),
                    {"d": DATABASE},
                ).scalar_one()
                if waiting:
                    break
                time.sleep(0.05)
        watcher.dispose()
        assert waiting, f"our call never waited for the other's insert: {result}"
        other_tx.commit()
    finally:
        if other_tx.is_active:
            other_tx.rollback()
        thread.join(30)
        other.close()
    if "error" in result:
        raise result["error"]
    return cast(T, result["value"])

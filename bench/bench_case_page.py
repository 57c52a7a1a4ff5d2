"""Issue 11: the case page's query with 1 million cases and 10 million entries in
PostgreSQL (keyset pages over the index (case_id, posted_on, ingested_at, id)).

The data is made by PostgreSQL itself (generate_series) in a database of its own,
`bench_case_page`, on this checkout's PostgreSQL (`bash deploy/local/infra.sh up` first),
and kept: a later run with the same `--cases`/`--entries` reuses it. The page is read
through case-sync's use case (`CasePages.case_page`: the reader's follow, the first page
of 50 entries, its summary with the latest three, the next hearing, 資料更新至, the count,
the visit), for random followed cases, then the second page by its token. The in-run
baseline: the page's one essential query in plain SQL (the 51 newest entries of a case by
the same index), for the same cases. The gateway's HTTP part (p99 ≤ 50 ms at 300 requests
per second) is measured separately.

    .venv/bin/python bench/bench_case_page.py [--cases 1000000] [--entries 10000000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, load_note, postgres_up, summary, table, write_results

DATABASE = "bench_case_page"
READER = "bench-reader-account"
COURTS = ("TPD", "KLD", "KSD", "PCD")


def database(settings: dict[str, str], name: str = DATABASE) -> str:
    """The URL of the bench database `name`, created when missing (kept between runs)."""
    from sqlalchemy import create_engine, text

    from support.distributed import pg_url

    admin = create_engine(pg_url(settings, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        existing = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
        if name not in existing:
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_url(settings, name)


def followed_cases(cases: int) -> int:
    """How many of the cases the data gives a follower (the cases the benchmarks read)."""
    return min(1000, cases // 97)


def ensure_data(url: str, cases: int, entries: int, followed: int) -> float:
    """Seconds spent making the data (0 when it was there)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
        have_entries = conn.execute(
            text(
                "SELECT coalesce(max(n_live_tup), 0) FROM pg_stat_user_tables"
                " WHERE relname = 'progress_entries'"
            )
        ).scalar_one()
        if have == cases and have_entries >= entries * 0.9:
            conn.execute(text("ANALYZE"))  # a run stopped before its VACUUM ANALYZE
            return 0.0
        began = time.perf_counter()
        # the sizes are integers from the command line, not text from outside
        for sql in (
            "TRUNCATE progress_entries, followers, case_visits, feed_tokens, case_prosecutors,"
            " cases CASCADE",
            "DROP INDEX IF EXISTS ix_progress_entries_page",
            "ALTER TABLE progress_entries DROP CONSTRAINT IF EXISTS"
            " progress_entries_case_id_source_entry_id_key",
            f"INSERT INTO cases (id, court_code, category, year, word, number, created_at,"
            f" status, division, cause, last_changed_at)"
            f" SELECT md5('c' || g)::uuid::text, (ARRAY['TPD','KLD','KSD','PCD'])[1 + g % 4],"
            f" '民事', 100 + g % 16, '訴', g, now(), 'pending', '', '', now()"
            f" FROM generate_series(1, {cases}) g",
            f"INSERT INTO progress_entries (id, case_id, source_entry_id, posted_on, item,"
            f" ingested_at, hearing_at, hearing_place, hearing_kind, withdraw_reason)"
            f" SELECT md5('e' || g)::uuid::text, md5('c' || (1 + g % {cases}))::uuid::text,"
            f" 'e-' || g, date '2020-01-01' + (g / {cases}) * 30 + g % 7,"
            f" '第 ' || g || ' 筆進行事項：言詞辯論', now() - (g || ' seconds')::interval,"
            f" CASE WHEN g % 10 = 0 THEN to_char(now() + ((g % 90) || ' days')::interval,"
            f" 'YYYY-MM-DD\"T\"HH24:MI') ELSE '' END, '', '', ''"
            f" FROM generate_series(1, {entries}) g",
            "ALTER TABLE progress_entries ADD CONSTRAINT"
            " progress_entries_case_id_source_entry_id_key UNIQUE (case_id, source_entry_id)",
            "CREATE INDEX ix_progress_entries_page ON progress_entries"
            " (case_id, posted_on, ingested_at, id)",
            f"INSERT INTO followers (id, case_id, email, role, created_at, account_id,"
            f" account_username, status, applicant_name, application_id, approved_by,"
            f" revoke_reason) SELECT md5('f' || g)::uuid::text, md5('c' || g * 97)::uuid::text,"
            f" 'reader' || g || '@example.com', '當事人', now(), '{READER}', '', 'active', '',"
            f" '', '', '' FROM generate_series(1, {followed}) g",
            "INSERT INTO court_syncs (court_code, last_received_at)"
            " SELECT unnest(ARRAY['TPD','KLD','KSD','PCD']), now() ON CONFLICT DO NOTHING",
            "VACUUM ANALYZE",
        ):
            print(f"  {sql[:90]}...", flush=True)
            conn.execute(text(sql))
    engine.dispose()
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--reads", type=int, default=400)
    args = parser.parse_args()
    followed = followed_cases(args.cases)
    sys.path.insert(0, str(ROOT / "tests"))
    from sqlalchemy import create_engine, text

    from jes_case_sync.app import build
    from jes_case_sync.domain.access import Reader, ReaderKind
    from support.distributed import infra_settings
    from support.services import embedded_config

    settings = infra_settings()
    if not postgres_up(settings):
        print("skipped: needs this checkout's PostgreSQL (bash deploy/local/infra.sh up)")
        return 0
    url = database(settings)
    work = Path(tempfile.mkdtemp(prefix="bench-case-page-"))
    config = embedded_config("case-sync", work, JES_DATABASE_URL=url)
    kit = build(config, identity_port=None, metrics=False)  # migrations; no server started
    made = ensure_data(url, args.cases, args.entries, followed)
    from jes_case_sync.usecases.case_page import CasePages
    from jes_case_sync.usecases.common import Infrastructure

    pages = CasePages(Infrastructure(kit.db, kit.outbox))
    reader = Reader(ReaderKind.LITIGANT, "bench-reader", account_ids=(READER,))
    engine = create_engine(url)
    with engine.connect() as conn:
        case_ids = list(
            conn.execute(
                text("SELECT case_id FROM followers WHERE account_id = :a"), {"a": READER}
            ).scalars()
        )
        plan = (
            conn.execute(
                text(
                    "EXPLAIN SELECT * FROM progress_entries"
                    " WHERE case_id = :c AND withdrawn_at IS NULL"
                    " ORDER BY posted_on DESC, ingested_at DESC, id DESC LIMIT 51"
                ),
                {"c": case_ids[0]},
            )
            .scalars()
            .all()
        )
    rng = random.Random(11)
    picks = [rng.choice(case_ids) for _ in range(args.reads)]
    for case_id in picks[:20]:  # warm-up: the index's upper levels, connections
        pages.case_page(reader, case_id=case_id)
    first: list[float] = []
    second: list[float] = []
    shown = 0
    for case_id in picks:
        began = time.perf_counter()
        page = pages.case_page(reader, case_id=case_id, size=5, record_visit=True)
        first.append((time.perf_counter() - began) * 1000)
        shown += len(page.entries)
        if page.next_token:
            began = time.perf_counter()
            pages.case_page(reader, case_id=case_id, size=5, token=page.next_token)
            second.append((time.perf_counter() - began) * 1000)
    base: list[float] = []
    with engine.connect() as conn:
        query = text(
            "SELECT * FROM progress_entries WHERE case_id = :c AND withdrawn_at IS NULL"
            " ORDER BY posted_on DESC, ingested_at DESC, id DESC LIMIT 6"
        )
        for case_id in picks:
            began = time.perf_counter()
            conn.execute(query, {"c": case_id}).all()
            base.append((time.perf_counter() - began) * 1000)
    engine.dispose()
    kit.db.dispose()
    rows = []
    figures: dict[str, Any] = {}
    for name, values in (
        ("case page, first page (use case)", first),
        ("case page, next page by token", second),
        ("baseline: the entries query alone", base),
    ):
        if not values:
            continue
        stats = summary(values)
        figures[name] = stats
        rows.append([name, stats["n"], stats["median"], stats["p95"], max(values)])
    print(table(["query", "n", "median ms", "p95 ms", "max ms"], rows))
    print(
        f"cases {args.cases}, entries {args.entries}, data made in {made:.0f} s"
        f" (0: reused); {shown / len(picks):.1f} entries per first page"
    )
    print("plan of the entries query: " + " / ".join(line.strip() for line in plan))
    print(load_note())
    path = write_results(
        "case-page",
        {
            "cases": args.cases,
            "entries": args.entries,
            "data_seconds": made,
            **figures,
            "plan": plan,
        },
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

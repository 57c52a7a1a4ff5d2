"""jes_db.bulk.bulk_insert on the real PostgreSQL: every row once, every value as given
(text COPY has its own escaping), by one COPY (the arrays of INSERT ... SELECT FROM
unnest were formatted item by item in Python: a quarter of case-sync's CPU in a bulk
ingest); one_of finds exactly the values given."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jes_db import UTCDateTime
from jes_db.bulk import bulk_insert, one_of, rows_of, text_array
from support.distributed import pg_url


@pytest.fixture
def table(infra: dict[str, str]) -> Iterator[tuple[Table, object]]:
    metadata = MetaData()
    table = Table(
        f"bulk_probe_{uuid.uuid4().hex[:10]}",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("n", Integer),
        Column("item", Text, nullable=True),
        Column("at", UTCDateTime()),
        Column("value", LargeBinary),
    )
    engine = create_engine(pg_url(infra, "case_sync"))
    metadata.create_all(engine)
    try:
        yield table, engine
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_every_row_and_value_arrives_as_given(table):
    table, engine = table
    at = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=UTC)
    awkward = ["tab\there", "line\nbreak", "back\\slash", '"quoted", {braces}', "\\N", "", None]
    rows = [
        {"id": f"r{n}", "n": n, "item": text, "at": at, "value": bytes([0, n, 92, 10, 255])}
        for n, text in enumerate(awkward)
    ]
    with Session(engine) as session, session.begin():
        bulk_insert(session, table, rows)
        bulk_insert(session, table, [])
    with engine.connect() as conn:
        stored = conn.execute(select(table).order_by(table.c.n)).all()
    assert [dict(row._mapping) for row in stored] == rows


def test_a_bulk_insert_is_one_copy_not_a_statement_per_row(table):
    # what made it cheap (one COPY whose rows psycopg formats in C) counted, not timed: the
    # CPU per row is a figure of bench/bench_case_ingest.py
    table, engine = table
    at = datetime.now(UTC)
    rows = [
        {"id": str(uuid.uuid4()), "n": n, "item": f"第 {n} 筆", "at": at, "value": b"x" * 42}
        for n in range(2_000)
    ]
    statements: list[str] = []
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    with Session(engine) as session, session.begin():
        session.connection()  # the transaction's own BEGIN is not the insert's
        event.listen(engine, "before_cursor_execute", listen)
        try:
            bulk_insert(session, table, rows)
        finally:
            event.remove(engine, "before_cursor_execute", listen)
    assert statements == []  # nothing through SQLAlchemy: the rows went by COPY
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 2_000


def test_one_of_finds_exactly_the_values_given_whatever_their_characters(table):
    table, engine = table
    at = datetime.now(UTC)
    awkward = [
        "plain",
        '"quoted", {braces}',
        "back\\slash",
        "NULL",
        "null",
        "",
        " spaced ",
        "tab\there",
        "第 1 筆",
        "a,b",
    ]
    rows = [
        {"id": text or "empty", "n": n, "item": text, "at": at, "value": b""}
        for n, text in enumerate(awkward)
    ]
    with Session(engine) as session, session.begin():
        bulk_insert(session, table, rows)
    with Session(engine) as session:
        for wanted in (awkward, awkward[1::2], ["NULL"], ["", "plain"], ["absent", "a"]):
            found = session.scalars(
                select(table.c.item).where(one_of(session, table.c.item, wanted))
            ).all()
            assert sorted(found) == sorted(text for text in awkward if text in wanted)
        numbers = session.scalars(
            select(table.c.n).where(one_of(session, table.c.n, [0, 3, 9, 42]))
        ).all()
        assert sorted(numbers) == [0, 3, 9]
        assert session.scalars(select(table.c.n).where(one_of(session, table.c.n, []))).all() == []


def test_one_of_sends_one_typed_array_text_not_a_list_nor_a_cast(table):
    """psycopg formats a list parameter item by item in Python (~6 µs an item under
    load); a text literal cast in the statement was evaluated in every row's check. So
    one_of sends the array's text, typed as the column's array type (text[], int4[]),
    and the statement has no cast. Counted, not timed: the CPU is bench_case_ingest.py's."""
    table, engine = table
    ids = [str(uuid.uuid4()) for _ in range(500)]
    sent: list[tuple[str, object]] = []
    listen = lambda conn, cursor, statement, parameters, *rest: sent.append(  # noqa: E731
        (statement, parameters)
    )
    event.listen(engine, "before_cursor_execute", listen)
    try:
        with Session(engine) as session:
            session.scalars(select(table.c.id).where(one_of(session, table.c.id, ids))).all()
            session.scalars(select(table.c.n).where(one_of(session, table.c.n, [1, 2]))).all()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    [(by_id, id_params), (by_n, n_params)] = sent
    assert "CAST" not in by_id.upper() and "::" not in by_id and "::" not in by_n
    [id_array] = id_params.values()
    [n_array] = n_params.values()
    assert isinstance(id_array, str) and id_array.startswith('{"')
    assert (isinstance(n_array, str), n_array) == (True, "{1,2}")


def test_rows_of_finds_exactly_the_pairs_given_not_every_combination(table):
    """(a, b) IN the pairs: case-sync's lookup of (case, source id) and of whole case keys
    (one `= ANY` per column matched every value of one with every value of the other,
    and PostgreSQL scanned the whole table for it)."""
    table, engine = table
    at = datetime.now(UTC)
    rows = [
        {"id": f"{letter}{n}", "n": n, "item": letter, "at": at, "value": b""}
        for letter in ("a", "b", '"q",{}')
        for n in range(3)
    ]
    with Session(engine) as session, session.begin():
        bulk_insert(session, table, rows)
    wanted = [("a", 0), ("b", 1), ('"q",{}', 2), ("a", 9), ("z", 0)]
    with Session(engine) as session:
        found = session.execute(
            select(table.c.item, table.c.n).where(
                rows_of(session, (table.c.item, table.c.n), wanted)
            )
        ).all()
        assert sorted(tuple(row) for row in found) == [('"q",{}', 2), ("a", 0), ("b", 1)]
        assert (
            session.execute(
                select(table.c.n).where(rows_of(session, (table.c.item, table.c.n), []))
            ).all()
            == []
        )


@pytest.mark.parametrize(
    "values",
    [
        ["plain", "第 1 筆", "", " spaced ", "a,b", "{braces}"],
        ['"quoted"', "back\\slash", "NULL", "null", None, "tab\there", "\\N", None],
        [None],
        [],
    ],
)
def test_text_array_arrives_as_the_values_given_nulls_and_all(table, values):
    _, engine = table
    with engine.connect() as conn:
        [row] = conn.execute(
            text(
                "SELECT CAST(:values AS text[]) AS given, cardinality(CAST(:values AS text[])) AS n"
            ),
            {"values": text_array(values)},
        ).all()
        unnested = (
            conn.execute(
                text(
                    "SELECT value FROM unnest(CAST(:values AS text[])) WITH ORDINALITY"
                    " AS t(value, k) ORDER BY k"
                ),
                {"values": text_array(values)},
            )
            .scalars()
            .all()
        )
    assert row.given == values and row.n == len(values)
    assert unnested == values


def test_a_row_that_breaks_a_constraint_fails_as_sqlalchemy_says_so_and_adds_nothing(table):
    # callers retry a lost race on IntegrityError (case-sync's ingest, notification's
    # subscriptions), as they would for the ORM's flush: COPY's error must be that too
    table, engine = table
    at = datetime.now(UTC)
    row = {"id": "same", "n": 1, "item": "x", "at": at, "value": b""}
    with Session(engine) as session, session.begin():
        bulk_insert(session, table, [row])
    with Session(engine) as session:
        with pytest.raises(IntegrityError), session.begin():
            bulk_insert(session, table, [{**row, "id": "other"}, row])
    with engine.connect() as conn:
        assert conn.execute(select(table.c.id)).scalars().all() == ["same"]

"""Many rows into one table at once: on PostgreSQL by COPY ... FROM STDIN (psycopg's C
code formats the rows: the array parameters of an INSERT ... SELECT FROM unnest(...) were
formatted item by item in Python, a quarter of case-sync's CPU in a bulk ingest), in the
session's transaction; elsewhere (SQLite) a plain executemany. A bulk ingest writes
thousands of rows per transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import Table, any_, bindparam, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys: column names) in the session's transaction."""
    if not rows:
        return
    names = list(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    dialect = session.get_bind().dialect
    converters = [_bind_converter(table.c[name].type, dialect) for name in names]
    session.flush()  # the ORM's pending rows first (the new rows may refer to them)
    connection = session.connection().connection.driver_connection
    assert connection is not None  # a live connection of the session's transaction
    command = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*([table.schema] if table.schema else []), table.name),
        sql.SQL(", ").join(sql.Identifier(name) for name in names),
    )
    with connection.cursor() as cursor, cursor.copy(command) as copy:
        if not any(converters):
            for row in rows:
                copy.write_row([row[name] for name in names])
            return
        for row in rows:
            copy.write_row(
                [
                    convert(row[name]) if convert else row[name]
                    for name, convert in zip(names, converters, strict=True)
                ]
            )


def _bind_converter(column_type: Any, dialect: Any) -> Any:
    """What SQLAlchemy would do to a value of `column_type` before the driver (a
    TypeDecorator's own conversion, an Enum's name, JSON's text), or None."""
    steps = []
    if isinstance(column_type, TypeDecorator):  # e.g. UTCDateTime: its own conversion
        decorator = column_type
        steps.append(lambda value: decorator.process_bind_param(value, dialect))
        column_type = column_type.impl_instance
    processor = column_type.bind_processor(dialect)
    if processor is not None:
        steps.append(processor)
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]
    first, second = steps
    return lambda value: second(first(value))


def one_of(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """`column IN values` as one array parameter on PostgreSQL (`= ANY(:array)`: the
    statement's text stays the same for any number of values, so it is parsed once), a
    plain IN list elsewhere."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(list(values))
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    array = bindparam(
        f"any_{column.key}", list(values), type_=postgresql.ARRAY(column_type), unique=True
    )
    return column == any_(array)

"""Many rows into one table with one small statement: on PostgreSQL the columns travel
as arrays (INSERT ... SELECT FROM unnest(...)), so the statement's text is the same for
any number of rows (the driver parses and prepares it once) and the server inserts them
in one go; elsewhere (SQLite) a plain executemany. A bulk ingest writes thousands of rows
per transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, any_, bindparam, func, insert, select
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
    dialect = postgresql.dialect()
    arrays = []
    for name in names:
        column_type = table.c[name].type
        values = [row[name] for row in rows]
        if isinstance(column_type, TypeDecorator):  # e.g. UTCDateTime: its own conversion
            values = [column_type.process_bind_param(value, dialect) for value in values]
            column_type = column_type.impl_instance
        arrays.append(bindparam(f"bulk_{name}", values, type_=postgresql.ARRAY(column_type)))
    source = func.unnest(*arrays).table_valued(*names, name="bulk").render_derived()
    statement = insert(table).from_select(names, select(*[source.c[name] for name in names]))
    session.execute(statement)


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

"""Many rows into one table at once: on PostgreSQL by COPY ... FROM STDIN (psycopg's C
code formats the rows: the array parameters of an INSERT ... SELECT FROM unnest(...) were
formatted item by item in Python, a quarter of case-sync's CPU in a bulk ingest), in the
session's transaction; elsewhere (SQLite) a plain executemany. A bulk ingest writes
thousands of rows per transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import psycopg
from psycopg import postgres, sql
from psycopg.adapt import Dumper, PyFormat
from sqlalchemy import (
    BigInteger,
    Enum,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, UserDefinedType


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
    try:
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
    except psycopg.Error as error:
        # as SQLAlchemy raises it for a statement of its own (IntegrityError for a row
        # another transaction inserted first: the callers retry that race)
        raise DBAPIError.instance(
            command.as_string(connection), None, error, psycopg.Error
        ) from error


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
    plain IN list elsewhere.

    The array goes as one text literal ("{...}", made by a join) typed as the column's
    array type (text[] or int4[]/int8[]): PostgreSQL reads it once, when it binds the
    parameter. psycopg's own list adapter formats a list item by item in Python (~6 µs an
    item on a loaded machine: a bulk ingest passes thousands); a text literal cast in the
    statement instead (`CAST(:p AS varchar[])`) was evaluated in every row's check."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(list(values))
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    literal = _array_literal(values, column_type)
    if literal is None:  # a type without a typed literal here: psycopg's list adapter
        array = bindparam(
            f"any_{column.key}", list(values), type_=postgresql.ARRAY(column_type), unique=True
        )
        return column == any_(array)
    return column == any_(bindparam(f"any_{column.key}", literal, type_=_LITERAL, unique=True))


def rows_of(session: Session, columns: Sequence[Any], rows: Sequence[Sequence[Any]]) -> Any:
    """`(columns) IN rows` on PostgreSQL: `(a, b) IN (SELECT unnest(:a), unnest(:b))`,
    each column's values as one typed array (one_of's), so each row is one probe of an
    index on the columns. (One `= ANY` per column lets PostgreSQL match every value of
    one with every value of the other: it scanned the whole table instead.) Elsewhere
    (SQLite) each column IN its values: a superset, so the caller keeps only the rows it
    asked for."""
    if session.get_bind().dialect.name != "postgresql":
        return and_(
            *(
                column.in_(list(dict.fromkeys(row[n] for row in rows)))
                for n, column in enumerate(columns)
            )
        )
    arrays = []
    for n, column in enumerate(columns):
        column_type = column.type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        literal = _array_literal([row[n] for row in rows], column_type)
        if literal is None:
            raise TypeError(f"rows_of: no array literal for {column.key} ({column_type})")
        arrays.append(
            func.unnest(bindparam(f"rows_{column.key}", literal, type_=_LITERAL, unique=True))
        )
    return tuple_(*columns).in_(select(*arrays))


class _ArrayLiteral(str):
    """An array parameter already in PostgreSQL's text form; `oid`: its array type."""

    oid: int

    def __new__(cls, text: str, oid: int) -> _ArrayLiteral:
        literal = super().__new__(cls, text)
        literal.oid = oid
        return literal


class _ArrayLiteralDumper(Dumper):
    """Sends an _ArrayLiteral as it is, typed as its array type (no cast in the SQL)."""

    def dump(self, obj: Any) -> bytes:
        return str(obj).encode()

    def get_key(self, obj: Any, format: PyFormat) -> Any:
        return (type(obj), obj.oid)

    def upgrade(self, obj: Any, format: PyFormat) -> Dumper:
        dumper = _ArrayLiteralDumper(type(obj))
        dumper.oid = obj.oid
        return dumper


psycopg.adapters.register_dumper(_ArrayLiteral, _ArrayLiteralDumper)

_TEXT_ARRAY = postgres.types["text"].array_oid
_INT4_ARRAY = postgres.types["int4"].array_oid
_INT8_ARRAY = postgres.types["int8"].array_oid


class _LiteralType(UserDefinedType[Any]):
    """A bind parameter SQLAlchemy passes to the driver as it is (no bind cast)."""

    cache_ok = True
    render_bind_cast = False

    def get_col_spec(self, **kw: Any) -> str:
        return "text[]"


_LITERAL = _LiteralType()


def _array_literal(values: Sequence[Any], column_type: Any) -> _ArrayLiteral | None:
    """`values` as PostgreSQL's array text ("{...}") of the column's type, or None for a
    type this does not write."""
    if any(value is None for value in values) or isinstance(column_type, Enum):
        return None
    if isinstance(column_type, String):  # varchar, text: compared as text
        return text_array([str(value) for value in values])
    if isinstance(column_type, Integer):  # Integer, SmallInteger, BigInteger
        oid = _INT8_ARRAY if isinstance(column_type, BigInteger) else _INT4_ARRAY
        return _ArrayLiteral("{" + ",".join(str(int(value)) for value in values) + "}", oid)
    return None


def text_array(values: Sequence[str | None]) -> _ArrayLiteral:
    """`values` as one text[] parameter already in PostgreSQL's text form (None: NULL), for
    a statement over many rows at once (`unnest(:ids)`): psycopg's list adapter formats
    each item in Python, a sixth of a burst's composing."""
    if any(value is None or '"' in value or "\\" in value for value in values):
        items = (
            "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        return _ArrayLiteral("{" + ",".join(items) + "}", _TEXT_ARRAY)
    plain = cast(Sequence[str], values)
    return _ArrayLiteral('{"' + '","'.join(plain) + '"}' if plain else "{}", _TEXT_ARRAY)


def dialect_insert(dialect: str) -> Any:
    """The dialect's own `insert` (PostgreSQL's or SQLite's): both have
    `on_conflict_do_nothing` and `on_conflict_do_update`, the common one has neither."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert

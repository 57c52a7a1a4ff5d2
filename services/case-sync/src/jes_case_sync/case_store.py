"""Cases and their followers in case-sync's database, loaded many at a time (a stream
touches many cases in one transaction), and the messages that name them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, cast

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.cases import CaseKey, category_value
from jes_case_sync.domain.followers import ACTIVE, role_value
from jes_case_sync.models import Case, Follower
from jes_db import new_ids
from jes_db.bulk import dialect_insert, one_of, rows_of

CASES = cast(Table, Case.__table__)


@dataclass(frozen=True)
class CaseRef:
    """A case as an ingest of entries needs it, read as a plain row (a stream names
    thousands of cases: an ORM object each cost a tenth of case-sync's CPU)."""

    id: str
    court_code: str
    category: str
    year: int
    word: str
    number: int
    cut_off_on: date | None


# the case held as a row (CaseRef) or, when a change writes to it, as its ORM object
CaseLike = Case | CaseRef
_REF_COLUMNS = (
    Case.id,
    Case.court_code,
    Case.category,
    Case.year,
    Case.word,
    Case.number,
    Case.cut_off_on,
)


class FollowerRef(NamedTuple):
    """An active follow as the events name it (read as a plain row)."""

    id: str
    email: str
    account_id: str
    role: str


def key_of(case: CaseLike) -> CaseKey:
    return CaseKey(case.court_code, case.category, case.year, case.word, case.number)


def find_case(session: Session, key: CaseKey) -> Case | None:
    return session.scalar(select(Case).filter_by(**key.fields()))


def case_of(session: Session, key: CaseKey) -> Case:
    """The case, created on first mention (court systems name cases; they are not opened)."""
    return cases_of(session, [key])[key]


def cases_of(session: Session, keys: Iterable[CaseKey]) -> dict[CaseKey, Case]:
    """Every case named, created on first mention, in one query (and one flush)."""
    wanted = list(dict.fromkeys(keys))
    wanted_set = set(wanted)
    found: dict[CaseKey, Case] = {}
    # by court and number (one array parameter each: a short statement), then exactly
    by_court: dict[str, set[int]] = {}
    for key in wanted:
        by_court.setdefault(key.court_code, set()).add(key.number)
    for court_code, numbers in by_court.items():
        rows = session.scalars(
            select(Case).where(
                Case.court_code == court_code, one_of(session, Case.number, sorted(numbers))
            )
        ).all()
        found |= {key: row for row in rows if (key := key_of(row)) in wanted_set}
    missing = [key for key in wanted if key not in found]
    if missing:
        _create_cases(session, missing)
        rows = session.scalars(select(Case).where(_whole_keys(session, missing))).all()
        found |= {key: row for row in rows if (key := key_of(row)) in wanted_set}
    return found


def case_refs_of(session: Session, keys: Iterable[CaseKey]) -> dict[CaseKey, CaseRef]:
    """Every case named, as a plain row, created on first mention: one query by the
    cases' whole keys (each one probe of the unique index), and for new cases one insert
    and one read back (Core statements, no ORM objects)."""
    wanted = list(dict.fromkeys(keys))
    wanted_set = set(wanted)
    found: dict[CaseKey, CaseRef] = {}
    if wanted:
        rows = session.execute(select(*_REF_COLUMNS).where(_whole_keys(session, wanted))).all()
        for row in rows:
            ref = CaseRef(*row)
            if (key := key_of(ref)) in wanted_set:  # SQLite's query finds a superset
                found[key] = ref
    missing = [key for key in wanted if key not in found]
    if missing:
        _create_cases(session, missing)
        rows = session.execute(select(*_REF_COLUMNS).where(_whole_keys(session, missing))).all()
        for row in rows:
            ref = CaseRef(*row)
            if (key := key_of(ref)) in wanted_set:
                found[key] = ref
    return found


def _whole_keys(session: Session, keys: Sequence[CaseKey]) -> ColumnElement[bool]:
    return cast(
        "ColumnElement[bool]",
        rows_of(
            session,
            (Case.court_code, Case.category, Case.year, Case.word, Case.number),
            [(k.court_code, k.category, k.year, k.word, k.number) for k in keys],
        ),
    )


def _create_cases(session: Session, keys: Sequence[CaseKey]) -> None:
    """Insert these cases unless they exist. Two calls at once may both be a case's first
    mention (two follow approvals, two streams): on PostgreSQL the second insert waits for
    the first transaction and then leaves its row alone, where a plain insert failed on
    the unique key (an INTERNAL error for all but one). The caller reads the rows back."""
    statement = dialect_insert(session.get_bind().dialect.name)(CASES)
    session.execute(
        statement.on_conflict_do_nothing(
            index_elements=[
                CASES.c.court_code,
                CASES.c.category,
                CASES.c.year,
                CASES.c.word,
                CASES.c.number,
            ]
        ),
        [{"id": id_, **key.fields()} for id_, key in zip(new_ids(len(keys)), keys, strict=True)],
    )


def case_rows(session: Session, case_ids: Iterable[str]) -> dict[str, Case]:
    """The ORM objects of these cases (for changes that write to them), in one query."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = session.scalars(select(Case).where(one_of(session, Case.id, ids))).all()
    return {row.id: row for row in rows}


def active_followers(session: Session, case_ids: Iterable[str]) -> dict[str, list[FollowerRef]]:
    """The active follows of each case, by e-mail, as plain rows."""
    ids = list(dict.fromkeys(case_ids))
    by_case: dict[str, list[FollowerRef]] = {case_id: [] for case_id in ids}
    if not ids:
        return by_case
    rows = session.execute(
        select(Follower.case_id, Follower.id, Follower.email, Follower.account_id, Follower.role)
        .where(one_of(session, Follower.case_id, ids), Follower.status == ACTIVE)
        .order_by(Follower.case_id, Follower.email)
    ).all()
    for case_id, *follow in rows:
        by_case[case_id].append(FollowerRef(*follow))
    return by_case


def is_cut_off(case: CaseLike, today: date) -> bool:
    return case.cut_off_on is not None and today >= case.cut_off_on


def case_message(case: CaseLike) -> cases_pb2.CaseKey:
    return cases_pb2.CaseKey(
        court_code=case.court_code,
        category=category_value(case.category),
        year=case.year,
        word=case.word,
        number=case.number,
    )


def follower_messages(followers: Sequence[FollowerRef]) -> list[events.Follower]:
    return [
        events.Follower(
            follow_id=f.id,
            email=f.email,
            account_id=f.account_id,
            role=role_value(f.role),
        )
        for f in followers
    ]

"""The case page's statements, built once with bind parameters: building a statement and
its cache key on every call took about a quarter of GetCase's CPU (py-spy, session 10).
The page reads their results as Core rows (`as_model`), not ORM objects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.sql.elements import Null

from jes_case_sync.domain.followers import ACTIVE
from jes_case_sync.models import Case, CaseVisit, CourtSync, Follower, ProgressEntry
from jes_db.bulk import dialect_insert

M = TypeVar("M")

# entries not withdrawn
LIVE = ProgressEntry.withdrawn_at.is_(None)


def as_model(model: type[M], row: Row[Any]) -> M:
    """A Core row read where code expects the model's object: the page only reads columns
    by name, which a row has as attributes (loading ORM objects took a fifth of GetCase's
    CPU). Never for an object to change."""
    return cast(M, row)


def as_models(model: type[M], rows: Iterable[Row[Any]]) -> list[M]:
    return [cast(M, row) for row in rows]


@cache
def visit_upsert(dialect: str) -> Any:
    """The reader's (`visit_account`) visit of a case (`visit_case`) at `visit_at`."""
    statement = dialect_insert(dialect)(CaseVisit).values(
        account_id=bindparam("visit_account"),
        case_id=bindparam("visit_case"),
        visited_at=bindparam("visit_at"),
    )
    return statement.on_conflict_do_update(
        index_elements=[CaseVisit.account_id, CaseVisit.case_id],
        set_={"visited_at": statement.excluded.visited_at},
    )


@cache
def facts_query(litigant: bool, with_subject: bool) -> Select[Any]:
    """The case (`case_id`) with the reader's follow (`account_ids`), last visit and the
    entries since (`subject`), its live entries' count and its court's 資料更新至."""
    follow: ScalarSelect[str] | BindParameter[str] = (
        select(Follower.id)
        .where(
            Follower.case_id == Case.id,
            Follower.account_id.in_(bindparam("account_ids", expanding=True)),
            Follower.status == ACTIVE,
        )
        .order_by(Follower.id)
        .limit(1)
        .scalar_subquery()
        if litigant
        else literal("")
    )
    visit: ScalarSelect[datetime] | Null
    newer: ScalarSelect[int] | BindParameter[int]
    if with_subject:
        visit = (
            select(CaseVisit.visited_at)
            .where(CaseVisit.account_id == bindparam("subject"), CaseVisit.case_id == Case.id)
            .scalar_subquery()
        )
        newer = (
            select(func.count())
            .select_from(ProgressEntry)
            .join(
                CaseVisit,
                and_(
                    CaseVisit.case_id == ProgressEntry.case_id,
                    CaseVisit.account_id == bindparam("subject"),
                ),
            )
            .where(
                ProgressEntry.case_id == Case.id,
                ProgressEntry.ingested_at > CaseVisit.visited_at,
                LIVE,
            )
            .scalar_subquery()
        )
    else:
        visit, newer = null(), literal(0)
    total = (
        select(func.count())
        .select_from(ProgressEntry)
        .where(ProgressEntry.case_id == Case.id, LIVE)
        .scalar_subquery()
    )
    synced = (
        select(CourtSync.last_received_at)
        .where(CourtSync.court_code == Case.court_code)
        .scalar_subquery()
    )
    return select(
        Case.__table__,
        follow.label("page_follow_id"),
        visit.label("page_visited_at"),
        total.label("page_total"),
        newer.label("page_new"),
        synced.label("page_data_as_of"),
    ).where(Case.__table__.c.id == bindparam("case_id"))


@cache
def newest_entries_query(count: int) -> Select[Any]:
    """A case's (`case_id`) `count` newest live entries, newest first: a page's first
    entries (one more than shown), or the case's latest three."""
    return (
        select(ProgressEntry.__table__)
        .where(ProgressEntry.case_id == bindparam("case_id"), LIVE)
        .order_by(
            ProgressEntry.posted_on.desc(),
            ProgressEntry.ingested_at.desc(),
            ProgressEntry.id.desc(),
        )
        .limit(count)
    )


@cache
def next_hearing_query() -> Select[Any]:
    """A case's (`case_id`) first live entry with a hearing from `now` (local text) on."""
    return (
        select(ProgressEntry.__table__)
        .where(
            ProgressEntry.case_id == bindparam("case_id"),
            ProgressEntry.hearing_at >= bindparam("now"),
            LIVE,
        )
        .order_by(ProgressEntry.hearing_at)
        .limit(1)
    )

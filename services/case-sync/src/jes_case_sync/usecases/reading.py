"""What readers see: a litigant's or a prosecutor's cases, each with its latest three
entries, and one case's page (every entry newest first, keyset pages, what is new since
the last visit, the next hearing, 資料更新至). A case the reader may not read, a cut-off
case included (for litigants and prosecutors), is NOT_FOUND."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
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
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import Null
from sqlalchemy.sql.expression import ColumnElement

from jes_case_sync.case_store import find_case, is_cut_off, key_of
from jes_case_sync.domain.access import Reader, ReaderKind, may_read
from jes_case_sync.domain.cases import CASE_NOT_FOUND, DEFAULT_LISTED_ENTRIES, CaseKey
from jes_case_sync.domain.followers import ACTIVE
from jes_case_sync.domain.paging import decode_token, encode_token, page_size
from jes_case_sync.models import (
    Case,
    CaseProsecutor,
    CaseVisit,
    CourtSync,
    Follower,
    ProgressEntry,
)
from jes_case_sync.usecases.common import Infrastructure
from jes_db.bulk import dialect_insert
from jes_domain import NotFound
from jes_zhtw import to_taipei


def record_visit_at(session: Session, account_id: str, case_id: str, at: datetime) -> None:
    """The reader's visit of the case, by one upsert: the same reader's two first visits
    at once (two tabs, a double tap) both record it, where a read-then-insert made one of
    them fail on the primary key (an HTTP 500)."""
    # on the session's connection: through the ORM an INSERT is made an ORM bulk insert,
    # annotated again on every call
    session.connection().execute(
        _visit_upsert(session.get_bind().dialect.name),
        {"visit_account": account_id, "visit_case": case_id, "visit_at": at},
    )


def as_model(model: type[M], row: Row[Any]) -> M:
    """A Core row read where code expects the model's object: the page only reads columns
    by name, which a row has as attributes (loading ORM objects took a fifth of GetCase's
    CPU). Never for an object to change."""
    return cast(M, row)


def as_models(model: type[M], rows: Iterable[Row[Any]]) -> list[M]:
    return [cast(M, row) for row in rows]


# The case page's statements are built once, with bind parameters: building a statement
# and its cache key on every call took about a quarter of GetCase's CPU (py-spy, session
# 10).


@cache
def _visit_upsert(dialect: str) -> Any:
    statement = dialect_insert(dialect)(CaseVisit).values(
        account_id=bindparam("visit_account"),
        case_id=bindparam("visit_case"),
        visited_at=bindparam("visit_at"),
    )
    return statement.on_conflict_do_update(
        index_elements=[CaseVisit.account_id, CaseVisit.case_id],
        set_={"visited_at": statement.excluded.visited_at},
    )


@dataclass(frozen=True)
class CaseView:
    case: Case
    follow_id: str
    latest: list[ProgressEntry]
    next_hearing: ProgressEntry | None
    new_entries: int
    prosecutor_ids: tuple[str, ...] = ()
    # the reader's last visit, when entries came since: the list marks those new
    last_visit_at: datetime | None = None


@dataclass(frozen=True)
class CasesPage:
    cases: list[CaseView]
    next_token: str


@dataclass(frozen=True)
class EntriesPage:
    view: CaseView
    entries: list[ProgressEntry]
    next_token: str
    previous_visit_at: datetime | None
    data_as_of: datetime | None
    total_entries: int


@dataclass(frozen=True)
class _PageFacts:
    case: Case
    follow_id: str
    visited_at: datetime | None
    total: int
    new_entries: int
    data_as_of: datetime | None


M = TypeVar("M")

# entries not withdrawn
LIVE = ProgressEntry.withdrawn_at.is_(None)


@cache
def _facts_query(litigant: bool, with_subject: bool) -> Select[Any]:
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
def _first_entries_query(limit: int) -> Select[Any]:
    """A case's (`case_id`) first page of live entries, newest first, one more than shown."""
    return (
        select(ProgressEntry.__table__)
        .where(ProgressEntry.case_id == bindparam("case_id"), LIVE)
        .order_by(
            ProgressEntry.posted_on.desc(),
            ProgressEntry.ingested_at.desc(),
            ProgressEntry.id.desc(),
        )
        .limit(limit + 1)
    )


@cache
def _next_hearing_query() -> Select[Any]:
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


def not_cut_off(today: date) -> ColumnElement[bool]:
    return or_(Case.cut_off_on.is_(None), Case.cut_off_on > today)


class Reading:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

    def _now_local_text(self) -> str:
        return to_taipei(self.infra.now()).strftime("%Y-%m-%dT%H:%M")

    # -- the reader's cases ----------------------------------------------------------------

    def my_cases(self, reader: Reader, size: int, token: str) -> CasesPage:
        limit = page_size(size)
        position = decode_token(token, 2)
        today = self.infra.today()
        with self.infra.db.transaction() as session:
            if reader.kind is ReaderKind.PROSECUTOR:
                if not reader.prosecutor_id:
                    return CasesPage([], "")
                query = (
                    select(Case, literal(""))
                    .join(CaseProsecutor, CaseProsecutor.case_id == Case.id)
                    .where(CaseProsecutor.prosecutor_id == reader.prosecutor_id)
                )
            elif reader.kind is ReaderKind.LITIGANT and reader.account_ids:
                query = (
                    select(Case, func.min(Follower.id))
                    .join(Follower, Follower.case_id == Case.id)
                    .where(Follower.account_id.in_(reader.account_ids), Follower.status == ACTIVE)
                    .group_by(Case.id)
                )
            else:
                return CasesPage([], "")
            query = query.where(not_cut_off(today))
            if position is not None:
                changed_at = datetime.fromisoformat(position[0])
                query = query.where(
                    tuple_(Case.last_changed_at, Case.id) < tuple_(changed_at, position[1])
                )
            rows = session.execute(
                query.order_by(Case.last_changed_at.desc(), Case.id.desc()).limit(limit + 1)
            ).all()
            more = len(rows) > limit
            rows = rows[:limit]
            views = self._views(
                session, reader, [(case, follow_id or "") for case, follow_id in rows]
            )
            next_token = ""
            if more and rows:
                last = rows[-1][0]
                next_token = encode_token([last.last_changed_at.isoformat(), last.id])
            return CasesPage(views, next_token)

    def _views(
        self, session: Session, reader: Reader, cases: Sequence[tuple[Case, str]]
    ) -> list[CaseView]:
        """Each case with its latest three entries, next hearing and new-entry count, in
        three queries for the whole page."""
        ids = [case.id for case, _ in cases]
        if not ids:
            return []
        ranked = (
            select(
                ProgressEntry.id,
                func.row_number()
                .over(
                    partition_by=ProgressEntry.case_id,
                    order_by=(
                        ProgressEntry.posted_on.desc(),
                        ProgressEntry.ingested_at.desc(),
                        ProgressEntry.id.desc(),
                    ),
                )
                .label("rank"),
            )
            .where(ProgressEntry.case_id.in_(ids), LIVE)
            .subquery()
        )
        latest_rows = session.execute(
            select(ProgressEntry)
            .join(ranked, ranked.c.id == ProgressEntry.id)
            .where(ranked.c.rank <= DEFAULT_LISTED_ENTRIES)
            .order_by(
                ProgressEntry.case_id,
                ProgressEntry.posted_on.desc(),
                ProgressEntry.ingested_at.desc(),
                ProgressEntry.id.desc(),
            )
        ).scalars()
        latest: dict[str, list[ProgressEntry]] = {case_id: [] for case_id in ids}
        for row in latest_rows:
            latest[row.case_id].append(row)
        hearings = self._next_hearings(session, ids)
        new_counts = self._new_counts(session, reader.subject, ids)
        return [
            CaseView(
                case,
                follow_id,
                latest[case.id],
                hearings.get(case.id),
                new_counts[case.id][0] if case.id in new_counts else 0,
                last_visit_at=new_counts[case.id][1] if case.id in new_counts else None,
            )
            for case, follow_id in cases
        ]

    def _next_hearings(self, session: Session, ids: list[str]) -> dict[str, ProgressEntry]:
        now = self._now_local_text()
        rows = session.scalars(
            select(ProgressEntry)
            .where(ProgressEntry.case_id.in_(ids), ProgressEntry.hearing_at >= now, LIVE)
            .order_by(ProgressEntry.case_id, ProgressEntry.hearing_at)
        ).all()
        found: dict[str, ProgressEntry] = {}
        for row in rows:
            found.setdefault(row.case_id, row)
        return found

    def _new_counts(
        self, session: Session, account_id: str, ids: list[str]
    ) -> dict[str, tuple[int, datetime]]:
        """Per case with entries since the reader's last visit: how many, and that visit."""
        rows = session.execute(
            select(ProgressEntry.case_id, func.count(), CaseVisit.visited_at)
            .join(
                CaseVisit,
                and_(
                    CaseVisit.case_id == ProgressEntry.case_id,
                    CaseVisit.account_id == account_id,
                ),
            )
            .where(
                ProgressEntry.case_id.in_(ids),
                ProgressEntry.ingested_at > CaseVisit.visited_at,
                LIVE,
            )
            .group_by(ProgressEntry.case_id, CaseVisit.visited_at)
        ).all()
        return {case_id: (int(count), visited_at) for case_id, count, visited_at in rows}

    # -- one case --------------------------------------------------------------------------

    def readable_case(
        self, session: Session, reader: Reader, case_id: str = "", key: CaseKey | None = None
    ) -> tuple[Case, str]:
        """The case and the reader's follow of it; NotFound for anything the reader may
        not read (the same answer as for no such case)."""
        case = session.get(Case, case_id) if case_id else None
        if case is None and key is not None and not case_id:
            case = find_case(session, key)
        if case is None:
            raise NotFound(CASE_NOT_FOUND)
        follow_id = ""
        if reader.kind is ReaderKind.LITIGANT and reader.account_ids:
            follow_id = session.scalar(select(self._follow_of(reader, case.id))) or ""
        self._check_readable(session, reader, case, follow_id)
        return case, follow_id

    @staticmethod
    def _follow_of(reader: Reader, case_id: InstrumentedAttribute[str] | str) -> ScalarSelect[str]:
        return (
            select(Follower.id)
            .where(
                Follower.case_id == case_id,
                Follower.account_id.in_(reader.account_ids),
                Follower.status == ACTIVE,
            )
            .order_by(Follower.id)
            .limit(1)
            .scalar_subquery()
        )

    def _check_readable(self, session: Session, reader: Reader, case: Case, follow_id: str) -> None:
        prosecutors: list[str] = []
        if reader.kind is ReaderKind.PROSECUTOR and reader.prosecutor_id:
            prosecutors = list(
                session.scalars(
                    select(CaseProsecutor.prosecutor_id).where(
                        CaseProsecutor.case_id == case.id,
                        CaseProsecutor.prosecutor_id == reader.prosecutor_id,
                    )
                ).all()
            )
        if not may_read(reader, case.court_code, bool(follow_id), prosecutors):
            raise NotFound(CASE_NOT_FOUND)
        courts_own = reader.kind in (ReaderKind.CLERK, ReaderKind.COURT_SYSTEM)
        if not courts_own and is_cut_off(case, self.infra.today()):
            raise NotFound(CASE_NOT_FOUND)

    def _page_facts(self, session: Session, reader: Reader, case_id: str) -> _PageFacts:
        """The case with, in the same query, the reader's follow of it, the reader's last
        visit, its live entries' count and how many came since that visit, and its court's
        資料更新至; NotFound when there is no such case (the caller checks the rest)."""
        litigant = reader.kind is ReaderKind.LITIGANT and bool(reader.account_ids)
        params: dict[str, Any] = {"case_id": case_id}
        if litigant:
            params["account_ids"] = list(reader.account_ids)
        if reader.subject:
            params["subject"] = reader.subject
        found = (
            session.connection()
            .execute(_facts_query(litigant, bool(reader.subject)), params)
            .one_or_none()
        )
        if found is None:
            raise NotFound(CASE_NOT_FOUND)
        return _PageFacts(
            as_model(Case, found),
            found.page_follow_id or "",
            found.page_visited_at,
            int(found.page_total or 0),
            int(found.page_new or 0),
            found.page_data_as_of,
        )

    def case_page(
        self,
        reader: Reader,
        *,
        case_id: str = "",
        key: CaseKey | None = None,
        size: int = 0,
        token: str = "",
        record_visit: bool = False,
        only_hearings: bool = False,
    ) -> EntriesPage:
        """One case's page in four statements for a litigant (the case with its follow,
        visit, counts and 資料更新至; a page of entries; the next hearing; the visit)."""
        limit = page_size(size)
        position = decode_token(token, 3)
        # reads and at most one write (the visit's upsert): each statement commits by
        # itself, no BEGIN and COMMIT round trips (under READ COMMITTED each statement of a
        # transaction took a snapshot of its own anyway)
        with self.infra.db.statements() as session:
            if not case_id and key is not None:
                by_key = find_case(session, key)
                case_id = by_key.id if by_key is not None else ""
            if not case_id:
                raise NotFound(CASE_NOT_FOUND)
            facts = self._page_facts(session, reader, case_id)
            case, follow_id = facts.case, facts.follow_id
            self._check_readable(session, reader, case, follow_id)
            previous_visit_at = facts.visited_at
            rows: Sequence[ProgressEntry]
            if position is None and not only_hearings:
                rows = as_models(
                    ProgressEntry,
                    session.connection().execute(_first_entries_query(limit), {"case_id": case.id}),
                )
            else:
                rows = self._entries(session, case.id, limit, position, only_hearings)
            more = len(rows) > limit
            entries = list(rows[:limit])
            next_token = ""
            if more:
                last = entries[-1]
                next_token = encode_token(
                    [last.posted_on.isoformat(), last.ingested_at.isoformat(), last.id]
                )
            # its latest three from this page when it is the first (the list's window
            # query is for many cases)
            if position is None and not only_hearings:
                latest = entries[:DEFAULT_LISTED_ENTRIES]
            else:
                latest = self._views(session, reader, [(case, follow_id)])[0].latest
            next_hearing = (
                session.connection()
                .execute(_next_hearing_query(), {"case_id": case.id, "now": self._now_local_text()})
                .first()
            )
            hearing = as_model(ProgressEntry, next_hearing) if next_hearing else None
            new = facts.new_entries if previous_visit_at is not None else 0
            view = CaseView(
                case,
                follow_id,
                list(latest),
                hearing,
                new,
                last_visit_at=previous_visit_at if new else None,
            )
            if record_visit and reader.subject and reader.kind is not ReaderKind.COURT_SYSTEM:
                record_visit_at(session, reader.subject, case.id, self.infra.now())
            return EntriesPage(
                view, entries, next_token, previous_visit_at, facts.data_as_of, facts.total
            )

    @staticmethod
    def _entries(
        session: Session,
        case_id: str,
        limit: int,
        position: Sequence[str] | None,
        only_hearings: bool,
    ) -> Sequence[ProgressEntry]:
        """A later page of a case's entries (after `position`), or only its hearings."""
        query = select(ProgressEntry).where(ProgressEntry.case_id == case_id, LIVE)
        if only_hearings:
            query = query.where(ProgressEntry.hearing_at != "")
        if position is not None:
            query = query.where(
                tuple_(ProgressEntry.posted_on, ProgressEntry.ingested_at, ProgressEntry.id)
                < tuple_(
                    date.fromisoformat(position[0]),
                    datetime.fromisoformat(position[1]),
                    position[2],
                )
            )
        return session.scalars(
            query.order_by(
                ProgressEntry.posted_on.desc(),
                ProgressEntry.ingested_at.desc(),
                ProgressEntry.id.desc(),
            ).limit(limit + 1)
        ).all()

    def key_of(self, case: Case) -> CaseKey:
        return key_of(case)

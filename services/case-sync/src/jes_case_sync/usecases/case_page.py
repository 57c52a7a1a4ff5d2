"""One case's page: every entry newest first in keyset pages, what is new since the
reader's last visit, the next hearing, 資料更新至 (GetCase, and a private feed's page). A
case the reader may not read, a cut-off case included (for litigants and prosecutors), is
NOT_FOUND. The page's statements are in case_statements.py; the reader's list of cases is
case_lists.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ScalarSelect, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from jes_case_sync.case_store import find_case, is_cut_off, key_of
from jes_case_sync.domain.access import Reader, ReaderKind, may_read
from jes_case_sync.domain.cases import CASE_NOT_FOUND, DEFAULT_LISTED_ENTRIES, CaseKey
from jes_case_sync.domain.followers import ACTIVE
from jes_case_sync.domain.paging import decode_token, encode_token, page_size
from jes_case_sync.models import Case, CaseProsecutor, Follower, ProgressEntry
from jes_case_sync.usecases.case_statements import (
    LIVE,
    as_model,
    as_models,
    facts_query,
    newest_entries_query,
    next_hearing_query,
    visit_upsert,
)
from jes_case_sync.usecases.common import Infrastructure
from jes_domain import NotFound
from jes_zhtw import to_taipei


def record_visit_at(session: Session, account_id: str, case_id: str, at: datetime) -> None:
    """The reader's visit of the case, by one upsert: the same reader's two first visits
    at once (two tabs, a double tap) both record it, where a read-then-insert made one of
    them fail on the primary key (an HTTP 500)."""
    # on the session's connection: through the ORM an INSERT is made an ORM bulk insert,
    # annotated again on every call
    session.connection().execute(
        visit_upsert(session.get_bind().dialect.name),
        {"visit_account": account_id, "visit_case": case_id, "visit_at": at},
    )


def now_local_text(infra: Infrastructure) -> str:
    """Now in Taiwan as a hearing's `hearing_at` is written (from it on is "next")."""
    return to_taipei(infra.now()).strftime("%Y-%m-%dT%H:%M")


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


class CasePages:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

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
            .execute(facts_query(litigant, bool(reader.subject)), params)
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
            first_page = position is None and not only_hearings
            if first_page:
                rows = self._newest(session, case.id, limit + 1)
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
            # its latest three: from this page when it is the first
            if first_page:
                latest = entries[:DEFAULT_LISTED_ENTRIES]
            else:
                latest = self._newest(session, case.id, DEFAULT_LISTED_ENTRIES)
            next_hearing = (
                session.connection()
                .execute(
                    next_hearing_query(),
                    {"case_id": case.id, "now": now_local_text(self.infra)},
                )
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
    def _newest(session: Session, case_id: str, count: int) -> list[ProgressEntry]:
        """The case's `count` newest live entries, as rows."""
        return as_models(
            ProgressEntry,
            session.connection().execute(newest_entries_query(count), {"case_id": case_id}),
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

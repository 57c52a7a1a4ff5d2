"""A reader's cases (ListMyCases): a litigant's followed cases or the cases naming a
prosecutor, newest change first in keyset pages, each with its latest three entries, next
hearing and what is new since the reader's last visit. Cut-off cases are not listed. One
case's page is case_page.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from jes_case_sync.domain.access import Reader, ReaderKind
from jes_case_sync.domain.cases import DEFAULT_LISTED_ENTRIES
from jes_case_sync.domain.followers import ACTIVE
from jes_case_sync.domain.paging import decode_token, encode_token, page_size
from jes_case_sync.models import Case, CaseProsecutor, CaseVisit, Follower, ProgressEntry
from jes_case_sync.usecases.case_page import CaseView, now_local_text
from jes_case_sync.usecases.case_statements import LIVE
from jes_case_sync.usecases.common import Infrastructure


@dataclass(frozen=True)
class CasesPage:
    cases: list[CaseView]
    next_token: str


def not_cut_off(today: date) -> ColumnElement[bool]:
    return or_(Case.cut_off_on.is_(None), Case.cut_off_on > today)


class CaseLists:
    def __init__(self, infra: Infrastructure):
        self.infra = infra

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
        now = now_local_text(self.infra)
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

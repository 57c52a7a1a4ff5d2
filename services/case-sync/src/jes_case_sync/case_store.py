"""Cases and their followers in case-sync's database, loaded many at a time (a stream
touches many cases in one transaction), and the messages that name them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.cases import CaseKey, category_value
from jes_case_sync.domain.followers import ACTIVE, role_value
from jes_case_sync.models import Case, Follower

KEY_COLUMNS = (Case.court_code, Case.category, Case.year, Case.word, Case.number)


def key_of(case: Case) -> CaseKey:
    return CaseKey(case.court_code, case.category, case.year, case.word, case.number)


def find_case(session: Session, key: CaseKey) -> Case | None:
    return session.scalar(select(Case).filter_by(**key.fields()))


def case_of(session: Session, key: CaseKey) -> Case:
    """The case, created on first mention (court systems name cases; they are not opened)."""
    return cases_of(session, [key])[key]


def cases_of(session: Session, keys: Iterable[CaseKey]) -> dict[CaseKey, Case]:
    """Every case named, created on first mention, in one query (and one flush)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[CaseKey, Case] = {}
    for chunk in _chunks(wanted, 500):
        rows = session.scalars(
            select(Case).where(
                tuple_(*KEY_COLUMNS).in_(
                    [(k.court_code, k.category, k.year, k.word, k.number) for k in chunk]
                )
            )
        ).all()
        found |= {key_of(row): row for row in rows}
    missing = [key for key in wanted if key not in found]
    for key in missing:
        found[key] = Case(**key.fields())
        session.add(found[key])
    if missing:
        session.flush()
    return found


def active_followers(session: Session, case_ids: Iterable[str]) -> dict[str, list[Follower]]:
    """The active follows of each case, by e-mail."""
    ids = list(dict.fromkeys(case_ids))
    by_case: dict[str, list[Follower]] = {case_id: [] for case_id in ids}
    for chunk in _chunks(ids, 500):
        rows = session.scalars(
            select(Follower)
            .where(Follower.case_id.in_(chunk), Follower.status == ACTIVE)
            .order_by(Follower.case_id, Follower.email)
        ).all()
        for row in rows:
            by_case[row.case_id].append(row)
    return by_case


def is_cut_off(case: Case, today: date) -> bool:
    return case.cut_off_on is not None and today >= case.cut_off_on


def case_message(case: Case) -> cases_pb2.CaseKey:
    return cases_pb2.CaseKey(
        court_code=case.court_code,
        category=category_value(case.category),
        year=case.year,
        word=case.word,
        number=case.number,
    )


def follower_messages(followers: Sequence[Follower]) -> list[events.Follower]:
    return [
        events.Follower(
            follow_id=f.id,
            email=f.email,
            account_id=f.account_id,
            role=role_value(f.role),
        )
        for f in followers
    ]


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

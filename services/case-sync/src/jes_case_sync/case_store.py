"""Cases and their followers in case-sync's database, loaded many at a time (a stream
touches many cases in one transaction), and the messages that name them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.domain.cases import CaseKey, category_value
from jes_case_sync.domain.followers import ACTIVE, role_value
from jes_case_sync.models import Case, Follower
from jes_db.bulk import one_of


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
    if not ids:
        return by_case
    rows = session.scalars(
        select(Follower)
        .where(one_of(session, Follower.case_id, ids), Follower.status == ACTIVE)
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

"""Cases by their key, in case-sync's database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jes_case_sync.domain.cases import CaseKey
from jes_case_sync.models import Case


def find_case(session: Session, key: CaseKey) -> Case | None:
    return session.scalar(select(Case).filter_by(**key.fields()))


def case_of(session: Session, key: CaseKey) -> Case:
    """The case, created on first mention (court systems name cases; they are not opened)."""
    case = find_case(session, key)
    if case is None:
        case = Case(**key.fields())
        session.add(case)
        session.flush()
    return case

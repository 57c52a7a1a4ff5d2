"""A court system registers an approved follower of a case (one per e-mail and case)."""

from __future__ import annotations

from sqlalchemy import select

from jes_case_sync.case_store import case_of
from jes_case_sync.domain.cases import CaseKey
from jes_case_sync.domain.followers import follower_email
from jes_case_sync.models import Follower
from jes_db import Database


class AddFollower:
    def __init__(self, db: Database):
        self.db = db

    def __call__(self, key: CaseKey, email: str, role: str) -> str:
        """The follower's id (the existing one when the e-mail already follows)."""
        email = follower_email(key, email, role)
        with self.db.transaction() as session:
            case = case_of(session, key)
            follower = session.scalar(
                select(Follower).where(Follower.case_id == case.id, Follower.email == email)
            )
            if follower is None:
                follower = Follower(case_id=case.id, email=email, role=role)
                session.add(follower)
                session.flush()
            return follower.id
